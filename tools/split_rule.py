"""The evaluation split of src/split.rs, for the project's Python tools: one paragraph in 20,
by FNV-1a of its trimmed text, is held out of training (the `eval stripped` set and its kin).
Imported by tools/*.py and benches/gen-inputs.py so the rule has one copy on this side too."""


def fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def held_out(text: str) -> bool:
    """Whether paragraph `text` is in the evaluation split."""
    return fnv1a(text.strip().encode("utf-8")) % 20 == 0
