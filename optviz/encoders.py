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

import contextlib
import fractions
import os
import pathlib
import re
import stat
import struct
import subprocess
import tempfile

import numpy as np
from PIL import GifImagePlugin, Image

from optviz import limits

ENCODERS: dict[str, type["Encoder"]] = {}
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
        """Append an (h, w, 3) uint8 frame (or (h, w, 4), the fourth channel ignored) shown
        for ``duration_ms``."""
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

    def _lookup(self, packed: np.ndarray) -> np.ndarray:
        rgb = packed & 0xFFFFFF
        index = self.lut[rgb]
        missing = index == self.UNKNOWN
        if missing.any():
            new = np.unique(rgb[missing])
            found = np.stack([new & 255, (new >> 8) & 255, new >> 16], -1).astype(np.int32)
            distance = ((found[:, None, :] - self.colours[None]) ** 2).sum(-1)
            self.lut[new] = distance.argmin(1)
            index = self.lut[rgb]
        return index

    def indices(self, frame: np.ndarray) -> np.ndarray:
        """The (h, w) palette indices of an (h, w, 3) or (h, w, 4) uint8 frame (the fourth
        channel is ignored). Frames of an animation differ in few pixels: only those that
        changed since the last frame are looked up."""
        packed = _packed(frame)
        if self.previous is None or self.previous[0].shape != packed.shape:
            index = self._lookup(packed)
        else:
            last_packed, last_index = self.previous
            changed = packed != last_packed
            index = last_index.copy()
            index[changed] = self._lookup(packed[changed])
        self.previous = (packed, index)
        return index


def _packed(frame: np.ndarray) -> np.ndarray:
    """An (h, w, 3 or 4) uint8 frame as one (h, w) uint32 a pixel: red in the lowest byte."""
    if frame.shape[-1] == 3:
        rgba = np.empty((*frame.shape[:2], 4), np.uint8)
        rgba[..., :3] = frame
        rgba[..., 3] = 255
        frame = rgba
    return np.ascontiguousarray(frame).view("<u4")[..., 0]


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


class _Indexed(Encoder):
    """Frames as indices into one fixed palette: the scene's exact colours first, the rest
    filled from the first frame (anti-aliased edges), no dithering, and the last entry left
    free (a GIF marks unchanged pixels with it). Subclasses take each mapped frame in `_put`
    and finish the file in `close`.

    Frames are mapped as they come, on the thread that draws them. Mapped on a worker thread
    while the next were drawn, they cost more than they saved: the two threads passed the GIL
    back and forth, and the default render took 0.3 s longer."""

    SHADES = 2  # entries for other anti-aliased edges, beyond the scene's own colours
    # GIF delays are whole centiseconds, and browsers play delays under 2 as 10 (100 ms).
    max_fps = 50
    MIN_DELAY_MS = 20

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        self.palette: Palette | None = None

    def _palette(self, first: np.ndarray) -> Palette:
        exact = list(dict.fromkeys(_rgb(c) for c in self.colours))[:200]
        # A power of two, as a GIF's colour table is, with one entry left free.
        size = 1 << (len(exact) + self.SHADES).bit_length()
        fill = size - 1 - len(exact)
        rest = (
            Image.fromarray(np.ascontiguousarray(first[..., :3]))
            .quantize(fill, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            .getpalette()
        )
        rest += [0] * (3 * fill - len(rest))  # a plain first frame has fewer colours
        return Palette(exact + [tuple(rest[i : i + 3]) for i in range(0, 3 * fill, 3)])

    def add(self, frame, duration_ms):
        if self.palette is None:
            self.palette = self._palette(frame)
        delay = max(self.MIN_DELAY_MS, 10 * round(self.check_duration(duration_ms) / 10))
        self._put(self.palette.indices(frame), delay)
        self.frames += 1

    def _put(self, index: np.ndarray, delay: int) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        if not self.frames:
            raise ValueError("no frames to write")


@register
class GifEncoder(_Indexed):
    """GIF with one fixed palette for every frame (see `_Indexed`), written as the frames
    come. Lines keep their colours, a frame stores only the box round the pixels that changed
    (the others in it transparent), a frame that changes nothing lengthens the one before,
    and the GIF loops forever.

    Where the changes of a frame lie in two places far apart (the step counter in a corner,
    the heads in the middle), the smaller place is shown first, for `MIN_DELAY_MS` of the
    frame's time, then the rest: two small boxes instead of one large one, a GIF often half
    the size. (GIF89a: https://www.w3.org/Graphics/GIF/spec-gif89a.txt)"""

    extensions = (".gif",)
    SPLIT = True  # show far-apart changes one after the other (see above)
    SPLIT_SHARE = 0.6  # ... where their two boxes cover at most this share of one round both
    MAX_DELAY_MS = 655_350  # a frame's delay is 16 bits of centiseconds

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        self.file = None
        self.shown: np.ndarray | None = None  # the palette indices of the picture shown so far
        self.held: list | None = None  # the last frame, [indices, (x, y), delay, transparent]

    def _header(self, height: int, width: int) -> bytes:
        """Screen size, the palette as the global colour table, and the loop for ever."""
        colours = self.palette.colours.astype(np.uint8)
        table = np.zeros((len(colours) + 1, 3), np.uint8)
        table[: len(colours)] = colours
        bits = len(table).bit_length() - 2  # the table has 2 ** (bits + 1) entries
        return (
            b"GIF89a"
            + struct.pack("<HHBBB", width, height, 0x80 | bits, 0, 0)
            + table.tobytes()
            + b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
        )

    def _put(self, index, delay):
        if self.shown is None:
            self.file = open(self.tmp, "wb")  # noqa: SIM115 (closed in close or __exit__)
            self.file.write(self._header(*index.shape))
            self.held = [index, (0, 0), delay, False]
            self.shown = index
            return
        changed = index != self.shown
        place = _split(changed) if self.SPLIT and delay >= 2 * self.MIN_DELAY_MS else None
        if place is None:
            self._hold(index, changed, delay)
        else:
            near = np.zeros_like(changed)
            near[place] = changed[place]
            self._hold(index, near, self.MIN_DELAY_MS)
            self._hold(index, changed & ~near, delay - self.MIN_DELAY_MS)
        self.shown = index

    def _hold(self, index: np.ndarray, changed: np.ndarray, delay: int) -> None:
        """Write the frame held so far and hold the ``changed`` pixels of ``index`` (its delay
        may still grow); with none changed, the held frame is shown ``delay`` longer."""
        if not changed.any() and self.held[2] + delay <= self.MAX_DELAY_MS:
            self.held[2] += delay
            return
        self._write_held()
        clear = len(self.palette.colours)  # the free entry: see-through
        if not changed.any():  # the held frame's delay is full: time goes on in an empty one
            self.held = [np.full((1, 1), clear, np.uint8), (0, 0), delay, True]
            return
        rows, cols = _box(changed)
        crop = index[rows, cols].copy()
        crop[~changed[rows, cols]] = clear
        self.held = [crop, (int(cols.start), int(rows.start)), delay, True]

    def _write_held(self) -> None:
        index, offset, delay, transparent = self.held
        params = {"duration": delay, "disposal": 1}  # 1: later frames draw over this one
        if transparent:
            params["transparency"] = len(self.palette.colours)
        for chunk in GifImagePlugin.getdata(Image.fromarray(index, mode="P"), offset, **params):
            self.file.write(chunk)

    def close(self):
        self._finish()
        self._write_held()
        self.file.write(b";")
        self.file.close()

    def __exit__(self, kind, value, traceback):
        try:
            return super().__exit__(kind, value, traceback)
        finally:
            if self.file is not None:
                self.file.close()


@register
class WebpEncoder(_Indexed):
    """Animated WebP, lossless, from the same palette-reduced frames as GIF (see `_Indexed`),
    each whole."""

    extensions = (".webp",)

    def __init__(self, path, **kw):
        super().__init__(path, **kw)
        self.indexed: list[tuple[np.ndarray, int]] = []  # each frame's indices and delay

    def _put(self, index, delay):
        self.indexed.append((index, delay))

    def close(self):
        self._finish()
        colours = self.palette.colours.astype(np.uint8)
        first, *rest = (Image.fromarray(colours[index]) for index, _ in self.indexed)
        first.save(
            self.tmp,
            format="WEBP",
            save_all=True,
            append_images=rest,
            duration=[delay for _, delay in self.indexed],
            loop=0,
            lossless=True,
            quality=80,
            method=4,
        )


@register
class Mp4Encoder(Encoder):
    """H.264 MP4 (yuv420p, plays everywhere, CRF 15) written by the ffmpeg that imageio-ffmpeg
    ships, the ``[video]`` extra, through a pipe of raw frames. A frame held longer than one
    frame period is repeated.

    The encoder owns ffmpeg's process: it starts in a session of its own (so a Ctrl-C at the
    terminal stops this process, which then stops ffmpeg) without running Python between
    fork and exec (which can deadlock a process with jax's threads); its messages are kept,
    and a failure is one line naming its last one; a stopped render kills it before closing
    its pipe, so that it never reads a cut-off frame."""

    extensions = (".mp4",)
    CRF = 15  # x264's constant rate factor: 0 is lossless, 51 the worst

    def __init__(self, path, **kw):
        try:
            import imageio_ffmpeg
        except ImportError:
            raise ValueError(
                "MP4 needs imageio-ffmpeg, which is not installed: pip install 'optviz[video]'"
            ) from None
        super().__init__(path, **kw)
        self.exe = imageio_ffmpeg.get_ffmpeg_exe()
        self.process = None
        self.owed = 0.0  # frame periods owed (see `add`)

    def _start(self, width: int, height: int) -> None:
        # fmt: off
        command = [
            self.exe, "-y", "-v", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-r", str(fractions.Fraction(self.fps).limit_denominator()), "-i", "-",
            "-an", "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-crf", str(self.CRF),
            "-movflags", "+faststart", "-f", "mp4", str(self.tmp),
        ]
        # fmt: on
        self.messages = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.messages,
            start_new_session=True,
        )

    def add(self, frame, duration_ms):
        frame, (h, w) = frame[..., :3], frame.shape[:2]
        # yuv420p needs even sides: repeat the last row or column where they are odd.
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        if self.process is None:
            self._start(frame.shape[1], frame.shape[0])
        data = np.ascontiguousarray(frame).data
        # Frame periods owed, carried over so that the video's length is the sum of the
        # durations however they round.
        self.owed += self.check_duration(duration_ms) * self.fps / 1000
        repeats = max(1, round(self.owed))
        self.owed -= repeats
        try:
            for _ in range(repeats):
                self.process.stdin.write(data)
        except BrokenPipeError:
            self._failed()
        self.frames += 1

    def close(self):
        if self.process is None:
            raise ValueError("no frames to write")
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        if self.process.wait() != 0:
            self._failed()

    def _failed(self):
        """Raise the failure of ffmpeg as one OSError: its last message."""
        self.process.kill()
        self.process.wait()
        self.messages.seek(0)
        lines = self.messages.read().decode(errors="replace").strip().splitlines()
        raise OSError(f"ffmpeg failed: {lines[-1] if lines else f'exit {self.process.returncode}'}")

    def __exit__(self, kind, value, traceback):
        try:
            if kind is not None and self.process is not None:
                self.process.kill()  # before its pipe closes on a frame cut off
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
                self.process.wait()
            return super().__exit__(kind, value, traceback)
        finally:
            if self.process is not None:
                self.messages.close()


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
