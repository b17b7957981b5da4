"""Encoders: how frames become a file, found in a registry keyed by the file's extension.

An encoder is opened on a path, fed frames (or, for still formats, the finished figure) and
closed in a ``with`` block. It writes to a temporary file beside the target and renames it
over the target only when the block ends without error, so a failed render leaves nothing
half-written and never clobbers a good file. An overwritten file keeps its permissions.

A temporary file is named after the process that writes it (``.NAME.optviz-PID-XXXX.EXT``).
An interrupted render removes its own (the command line turns SIGTERM into an exception, as
SIGINT is); SIGKILL cannot be caught, so the next encoder opened in that folder removes any
left by a process that is no longer running.

The same figure and frames give the same bytes: SVG and PDF carry no date and SVG's ids are
salted with a constant.
"""

from __future__ import annotations

import concurrent.futures
import os
import pathlib
import re
import stat
import tempfile

import numpy as np
from PIL import Image

from optviz import limits

ENCODERS: dict[str, type["Encoder"]] = {}
_SIGINT_SWITCH = "IMAGEIO_FFMPEG_NO_PREVENT_SIGINT"
_TEMPORARY = re.compile(r"\..*\.optviz-(\d+)-[^.]+\.[A-Za-z0-9]+")
MAX_HOLD_MS = 60_000  # the longest a frame may be shown: an MP4 repeats it that long


def register(cls):
    for extension in cls.extensions:
        ENCODERS[extension] = cls
    return cls


def extension_of(path) -> str:
    """The lower-case extension of ``path``, checked against the registry."""
    extension = pathlib.Path(path).suffix.lower()
    if extension not in ENCODERS:
        shown = repr(extension) if extension else "no extension"
        raise ValueError(f"cannot write {shown} ({path}); use one of: {', '.join(ENCODERS)}")
    return extension


def check_target(path) -> pathlib.Path:
    """``path`` as a Path, once its extension is known and its directory exists."""
    path = pathlib.Path(path)
    extension_of(path)
    parent = path.parent if str(path.parent) else pathlib.Path(".")
    if not parent.is_dir():
        raise ValueError(f"output directory '{parent}' does not exist")
    if path.is_dir():
        raise ValueError(f"output '{path}' is a directory")
    return path


def encoder_for(path) -> type["Encoder"]:
    """The encoder class for ``path``, once the target is checked (`check_target`)."""
    return ENCODERS[extension_of(check_target(path))]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one of another user's counts: its files are not ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        pass
    return True


def _remove_leftovers(folder: pathlib.Path) -> None:
    """Remove the temporary files that processes no longer running left in ``folder``."""
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.fullmatch(name)
        if match and not _alive(int(match[1])):
            (folder / name).unlink(missing_ok=True)


def open_encoder(path, *, fps: int = 30, colours=()) -> "Encoder":
    """The encoder for ``path``'s extension. ``colours`` are the exact colours the frames are
    drawn with, for formats with a palette."""
    return encoder_for(path)(pathlib.Path(path), fps=fps, colours=colours)


class Encoder:
    """Base class: atomic writes. Subclasses set ``extensions`` and ``animated`` and implement
    `add` (animated formats) or `write_figure` (still formats), and `close`."""

    extensions: tuple[str, ...] = ()
    animated = True
    page = False  # writes an interactive page (`write_page`) rather than pictures
    max_fps = limits.MAX_FPS

    def __init__(self, path, *, fps: int = 30, colours=()):
        self.check_fps(fps)
        self.path, self.fps, self.colours = pathlib.Path(path), fps, tuple(colours)
        self.tmp: pathlib.Path | None = None
        self.frames = 0

    def _mode(self) -> int:
        """The target's permissions if it exists, else those a plain open() would give."""
        try:
            return stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            return 0o666 & ~umask

    @classmethod
    def check_fps(cls, fps) -> int:
        """``fps``, once this format can play it; ``ValueError`` naming its limit."""
        return limits.whole(f"fps for {'/'.join(cls.extensions)}", fps, 1, cls.max_fps)

    @staticmethod
    def check_duration(duration_ms) -> float:
        """``duration_ms``, once it is more than 0 and at most `MAX_HOLD_MS`."""
        if not 0 < duration_ms <= MAX_HOLD_MS:
            raise ValueError(
                f"a frame would be shown for {duration_ms:g} ms; the longest hold is "
                f"{MAX_HOLD_MS} ms (fewer frames, or more steps)"
            )
        return float(duration_ms)

    def __enter__(self):
        """Make the temporary file. Once this returns, `__exit__` is sure to run; until then a
        signal (KeyboardInterrupt) removes the file here."""
        folder = self.path.parent
        _remove_leftovers(folder)
        handle, name = tempfile.mkstemp(
            prefix=f".{self.path.stem}.optviz-{os.getpid()}-", suffix=self.path.suffix, dir=folder
        )
        try:
            os.close(handle)
            self.tmp = pathlib.Path(name)
            os.chmod(name, self._mode())
        except BaseException:
            os.unlink(name)
            raise
        return self

    def __exit__(self, kind, value, traceback):
        try:
            if kind is None:
                self.close()
                os.replace(self.tmp, self.path)
        finally:
            self.tmp.unlink(missing_ok=True)
        return False

    def add(self, frame: np.ndarray, duration_ms: float) -> None:
        """Append an (h, w, 3) uint8 frame shown for ``duration_ms``."""
        raise NotImplementedError(f"{type(self).__name__} writes still images")

    def write_figure(self, figure) -> None:
        raise NotImplementedError(f"{type(self).__name__} writes animations")

    def write_page(self, text: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} writes pictures")

    def close(self) -> None:
        """Finish the temporary file."""


def _rgb(colour) -> tuple[int, int, int]:
    from matplotlib.colors import to_rgb

    return tuple(int(round(255 * c)) for c in to_rgb(colour))


class Palette:
    """A fixed palette and the map from 24-bit colours to its entries, filled as new colours
    appear: each colour goes to its nearest entry, so the palette's own colours stay exact.
    (Pillow's own palette conversion buckets colours 8 levels wide, which merges close
    shades such as neighbouring contour bands.)"""

    UNKNOWN = 255

    def __init__(self, colours: np.ndarray):
        self.colours = np.asarray(colours, dtype=np.int32)
        self.lut = np.full(1 << 24, self.UNKNOWN, dtype=np.uint8)
        self.previous: tuple[np.ndarray, np.ndarray] | None = None

    def _lookup(self, pixels: np.ndarray) -> np.ndarray:
        packed = (
            (pixels[..., 0].astype(np.uint32) << 16)
            | (pixels[..., 1].astype(np.uint32) << 8)
            | pixels[..., 2]
        )
        index = self.lut[packed]
        missing = index == self.UNKNOWN
        if missing.any():
            new = np.unique(packed[missing])
            rgb = np.stack([new >> 16, (new >> 8) & 255, new & 255], -1).astype(np.int32)
            distance = ((rgb[:, None, :] - self.colours[None]) ** 2).sum(-1)
            self.lut[new] = distance.argmin(1)
            index = self.lut[packed]
        return index

    def indices(self, frame: np.ndarray) -> np.ndarray:
        """The (h, w) palette indices of an (h, w, 3) uint8 frame. Frames of an animation
        differ in few pixels: only those that changed since the last frame are looked up."""
        if self.previous is None or self.previous[0].shape != frame.shape:
            index = self._lookup(frame)
        else:
            last_frame, last_index = self.previous
            differs = frame != last_frame
            changed = differs[..., 0] | differs[..., 1] | differs[..., 2]
            index = last_index.copy()
            index[changed] = self._lookup(frame[changed])
        self.previous = (frame, index)
        return index


def _box(mask: np.ndarray) -> tuple[slice, slice]:
    """The rows and columns of the bounding box of the True pixels of ``mask`` (some)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _area(box: tuple[slice, slice]) -> int:
    return (box[0].stop - box[0].start) * (box[1].stop - box[1].start)


def _split(changed: np.ndarray) -> tuple[slice, slice] | None:
    """Where the changed pixels (an (h, w) mask) fall in two groups far apart (the step counter
    in a corner, the heads in the middle), the bounding box (rows, columns) of the smaller
    group; None where one box round them all is not much larger than the two (by a share,
    `GifEncoder.SPLIT_SHARE`, and by 10,000 pixels: a second frame costs some bytes too)."""
    if not changed.any():
        return None
    best = None
    for axis in (0, 1):
        lines = np.flatnonzero(changed.any(1 - axis))  # the rows (or columns) that changed
        if len(lines) < 2:
            continue
        cut = lines[np.argmax(np.diff(lines)) + 1]  # the first line after the widest gap
        before = np.zeros_like(changed)
        part = (slice(None, cut),) if axis == 0 else (slice(None), slice(None, cut))
        before[part] = changed[part]
        boxes = sorted((_box(before), _box(changed & ~before)), key=_area)
        area = _area(boxes[0]) + _area(boxes[1])
        if best is None or area < best[0]:
            best = (area, boxes[0])
    whole = _area(_box(changed))
    if best is None or best[0] > GifEncoder.SPLIT_SHARE * whole or whole - best[0] < 10_000:
        return None
    return best[1]


@register
class GifEncoder(Encoder):
    """GIF with one fixed palette for every frame: the scene's exact colours first, the rest
    filled from the first frame (anti-aliased edges), no dithering. Lines keep their colours,
    pixels that do not change between frames are left out, and the GIF loops forever.

    A GIF frame stores the box round every pixel that changed. Where the changes of a frame
    lie in two places far apart (the step counter in a corner, the heads in the middle), the
    smaller place is shown first, for `MIN_DELAY_MS` of the frame's time, then the rest: two
    small boxes instead of one large one, a GIF often half the size."""

    extensions = (".gif",)
    SHADES = 2  # entries for other anti-aliased edges, beyond the scene's own colours
    # GIF delays are whole centiseconds, and browsers play delays under 2 as 10 (100 ms).
    max_fps = 50
    MIN_DELAY_MS = 20
    SPLIT = True  # show far-apart changes one after the other (see above)
    SPLIT_SHARE = 0.6  # ... where their two boxes cover at most this share of one round both

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        # Frames are mapped to the palette on a worker thread while the next ones are drawn
        # (NumPy lets go of the GIL); one worker keeps them in order.
        self.pool = concurrent.futures.ThreadPoolExecutor(1)
        self.images: list[concurrent.futures.Future] = []
        self.palette: Palette | None = None
        self.last: np.ndarray | None = None  # the palette indices of the last frame

    def _palette(self, first: np.ndarray) -> Palette:
        exact = list(dict.fromkeys(_rgb(c) for c in self.colours))[:200]
        # A power of two, as GIF codes are whole bits; 255 at most, leaving an entry free for
        # the transparency that marks unchanged pixels.
        size = min(255, 1 << (len(exact) + self.SHADES - 1).bit_length())
        fill = size - len(exact)
        rest = (
            Image.fromarray(first)
            .quantize(fill, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            .getpalette()
        )
        rest += [0] * (3 * fill - len(rest))  # a plain first frame has fewer colours
        return Palette(exact + [tuple(rest[i : i + 3]) for i in range(0, 3 * fill, 3)])

    def _image(self, index: np.ndarray) -> Image.Image:
        image = Image.fromarray(index, mode="P")
        image.putpalette(self.palette.colours.astype(np.uint8).ravel().tolist())
        return image

    def _images(self, frame: np.ndarray, delay: int) -> list[tuple[Image.Image, int]]:
        """The frame as one image shown ``delay`` ms, or as two (see the class's notes)."""
        index = self.palette.indices(frame)
        last, self.last = self.last, index
        if last is None or not self.SPLIT or delay < 2 * self.MIN_DELAY_MS:
            return [(self._image(index), delay)]
        place = _split(index != last)
        if place is None:
            return [(self._image(index), delay)]
        first = last.copy()
        first[place] = index[place]
        return [
            (self._image(first), self.MIN_DELAY_MS),
            (self._image(index), delay - self.MIN_DELAY_MS),
        ]

    def add(self, frame, duration_ms):
        if self.palette is None:
            self.palette = self._palette(frame)
        delay = max(self.MIN_DELAY_MS, 10 * round(self.check_duration(duration_ms) / 10))
        self.images.append(self.pool.submit(self._images, frame, delay))
        self.frames += 1

    def _frames(self) -> tuple[list[Image.Image], list[int]]:
        if not self.images:
            raise ValueError("no frames to write")
        shown = [part for future in self.images for part in future.result()]
        return [image for image, _ in shown], [delay for _, delay in shown]

    def close(self):
        (first, *rest), durations = self._frames()
        first.save(
            self.tmp,
            format="GIF",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=0,
            optimize=True,
            disposal=1,
        )

    def __exit__(self, kind, value, traceback):
        try:
            return super().__exit__(kind, value, traceback)
        finally:
            self.pool.shutdown(cancel_futures=True)


@register
class WebpEncoder(GifEncoder):
    """Animated WebP, lossless, from the same palette-reduced frames as GIF (each whole: WebP
    has no use for the split)."""

    extensions = (".webp",)
    SPLIT = False

    def close(self):
        images, durations = self._frames()
        first, *rest = (image.convert("RGB") for image in images)
        first.save(
            self.tmp,
            format="WEBP",
            save_all=True,
            append_images=list(rest),
            duration=durations,
            loop=0,
            lossless=True,
            quality=80,
            method=4,
        )


@register
class Mp4Encoder(Encoder):
    """H.264 MP4 (yuv420p, plays everywhere) through imageio-ffmpeg, the ``[video]`` extra.
    A frame held longer than one frame period is repeated."""

    extensions = (".mp4",)

    def __init__(self, path, **kw):
        try:
            import imageio_ffmpeg
        except ImportError:
            raise ValueError(
                "MP4 needs imageio-ffmpeg, which is not installed: pip install 'optviz[video]'"
            ) from None
        super().__init__(path, **kw)
        self._ffmpeg = imageio_ffmpeg
        self.writer = None

    def add(self, frame, duration_ms):
        h, w = frame.shape[:2]
        # yuv420p needs even sides: repeat the last row or column where they are odd.
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        if self.writer is None:
            self.writer = self._ffmpeg.write_frames(
                str(self.tmp),
                (frame.shape[1], frame.shape[0]),
                fps=self.fps,
                codec="libx264",
                pix_fmt_in="rgb24",
                pix_fmt_out="yuv420p",
                macro_block_size=1,
                quality=7,
                ffmpeg_log_level="error",
                output_params=["-movflags", "+faststart"],
            )
            # imageio-ffmpeg would run Python (os.setpgrp) between fork and exec, which can
            # deadlock a process with jax's threads (jax warns each time); its own switch
            # turns that off while it starts ffmpeg.
            previous = os.environ.get(_SIGINT_SWITCH)
            os.environ[_SIGINT_SWITCH] = "1"
            try:
                self.writer.send(None)
            finally:
                if previous is None:
                    del os.environ[_SIGINT_SWITCH]
                else:
                    os.environ[_SIGINT_SWITCH] = previous
        data = np.ascontiguousarray(frame)
        # Frame periods owed, carried over so that the video's length is the sum of the
        # durations however they round.
        self.owed = getattr(self, "owed", 0.0) + self.check_duration(duration_ms) * self.fps / 1000
        repeats = max(1, round(self.owed))
        self.owed -= repeats
        for _ in range(repeats):
            self.writer.send(data)
        self.frames += 1

    def close(self):
        if self.writer is None:
            raise ValueError("no frames to write")
        self.writer.close()

    def __exit__(self, kind, value, traceback):
        if kind is not None and self.writer is not None:
            # A KeyboardInterrupt thrown in makes imageio-ffmpeg kill ffmpeg at once, where a
            # close would let it decode the cut-off last frame and print errors about it.
            try:
                self.writer.throw(KeyboardInterrupt())
            except (KeyboardInterrupt, StopIteration):
                pass
        return super().__exit__(kind, value, traceback)


@register
class StillEncoder(Encoder):
    """A still image of the finished figure: PNG at `PNG_SCALE` times the figure's pixels (for
    projectors and print), or SVG (text kept as text, to edit) and PDF, both vectors."""

    extensions = (".png", ".svg", ".pdf")
    animated = False
    PNG_SCALE = 2
    # No dates, and SVG ids from a fixed salt: the same figure gives the same bytes.
    METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    RC = {"svg.fonttype": "none", "svg.hashsalt": "optviz"}

    def write_figure(self, figure):
        from matplotlib import rc_context

        form = self.path.suffix[1:].lower()
        scale = self.PNG_SCALE if form == "png" else 1
        with rc_context(self.RC):
            figure.savefig(
                self.tmp,
                format=form,
                dpi=figure.dpi * scale,
                facecolor=figure.get_facecolor(),
                metadata=self.METADATA.get(form),
            )
        if form == "png":
            # The figure is opaque: RGB, compressed harder, is a fifth smaller than its RGBA.
            with Image.open(self.tmp) as image:
                image = image.convert("RGB")
            image.save(self.tmp, format="PNG", optimize=True)
        self.frames += 1


@register
class PageEncoder(Encoder):
    """An interactive HTML page (see `optviz.interactive`), written as UTF-8 text."""

    extensions = (".html",)
    animated = False
    page = True

    def write_page(self, text: str) -> None:
        self.tmp.write_text(text, encoding="utf-8")
        self.frames += 1

    def close(self):
        if not self.frames:
            raise ValueError("no page to write")
