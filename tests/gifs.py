"""Reading GIFs back as they are shown."""

from PIL import Image

from optviz.encoders import GifEncoder


def shown(path) -> tuple[list[Image.Image], list[int]]:
    """The frames of the GIF at ``path`` and their delays (ms), a frame the encoder wrote in
    two (the smaller change first, shown `GifEncoder.MIN_DELAY_MS`) counted once, with the
    delays of both. Every frame is converted to RGB."""
    frames, delays = [], []
    with Image.open(path) as im:
        split = False
        for k in range(getattr(im, "n_frames", 1)):
            im.seek(k)
            frame, delay = im.convert("RGB"), im.info.get("duration", 0)
            if split:  # the second part of a frame written in two
                frames[-1], delays[-1], split = frame, delays[-1] + delay, False
                continue
            frames.append(frame)
            delays.append(delay)
            split = delay == GifEncoder.MIN_DELAY_MS and k + 1 < im.n_frames
    return frames, delays
