#!/usr/bin/env python3
"""Clean the official Vietnamese administrative-unit lists for Thôn Số.

Usage (from the repository root):

    python3 scripts/clean-official-data.py /work/shared/data Resources/Data/official

Reads (never modifies) the three CSV files of the General Statistics Office list of
administrative units as compiled in the open-source VietnamProvinces project (data
version 2026.2.3):

    units-pre-2025-07.csv         three-level list (province, district, commune) of 4 Jan 2025
    units-2025-07.csv             two-level list in force since 1 July 2025
    units-2025-07-old-to-new.csv  how each old commune went into the new ones

and writes cleaned UTF-8 CSV files (NFC, whitespace trimmed and collapsed, LF line
endings, header row, minimal standard CSV quoting) plus PROVENANCE.md into the output
directory.  Python 3.11, standard library only.

The script is strict: any input row it cannot interpret without losing data makes it
exit with status 1 and a list of the offending rows.  Rows that are understood but
odd (codes missing from the lists, inconsistent province columns, ...) are kept and
reported in PROVENANCE.md and on stderr; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REFORM_DATE = "2025-07-01"
DATA_VERSION = "2026.2.3"

OLD_LIST = "units-pre-2025-07.csv"
NEW_LIST = "units-2025-07.csv"
OLD_TO_NEW = "units-2025-07-old-to-new.csv"

OLD_HEADER = ["Tỉnh Thành Phố", "Mã TP", "Quận Huyện", "Mã QH", "Phường Xã", "Mã PX", "Cấp", "Tên Tiếng Anh"]
NEW_HEADER = ["province_code", "province_name", "province_type", "commune_code", "commune_name", "commune_type"]
O2N_HEADER = ["Tỉnh, thành phố", "Tên Xã mới", "Mã Xã mới", "Tên Xã cũ", "Mã Xã cũ", "Ghi chú", "Quận/huyện", "Tỉnh cũ"]

COMMUNE_TYPES_2024 = ("thị trấn", "phường", "xã")
DISTRICT_TYPES = ("thành phố", "thị xã", "quận", "huyện")

# How the free-text note of the old-to-new table maps onto `whole`.
# whole=1 means the entire old commune (area and population) went into this one new
# commune; whole=0 means only part of it did (it was split, or only part of its area or
# population moved).  Any note not matched here stops the script, so that a new wording
# in a future data version is classified by a person, never guessed.
WHOLE_RULES: list[tuple[str, int]] = [
    (r"Nhập toàn bộ", 1),                                   # merged whole
    (r"Giữ nguyên", 1),                                     # kept unchanged
    (r"Đổi tên", 1),                                        # renamed only
    (r"Đổi loại hình", 1),                                  # type changed only (thị trấn -> xã)
    (r"Sắp xếp toàn bộ (huyện|xã) .+ thành đặc khu .+", 1), # whole unit became a special zone
    (r"Nhập toàn bộ diện tích", 0),                         # whole area, but population split (Kỳ Lợi)
    (r"Nh[âậ]p một phần( diện tích| dân số)?", 0),          # part of area / population ("Nhâp" typo included)
    (r"Nhập một phần diện tích, toàn bộ dân số", 0),        # part of area, all of population
    (r"Phần còn lại sau khi tách một phần vào .+", 0),      # remainder after a part was split off
    (r"Đổi tên(, đổi loại hình)? từ một phần .+", 0),       # renamed from a part of a unit
]


class InputError(Exception):
    pass


def clean(value: str) -> str:
    """NFC-normalise, collapse every whitespace run (incl. embedded newlines) to one space, trim."""
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", value).strip()


def fold(value: str) -> str:
    """Loose comparison key for names: no case, no diacritics, no spaces/apostrophes/dots."""
    value = unicodedata.normalize("NFD", clean(value).lower())
    value = "".join(c for c in value if unicodedata.category(c) != "Mn").replace("đ", "d")
    return re.sub(r"[\s'’.]", "", value)


def pad(code: str, width: int) -> str | None:
    """Zero-pad a numeric code; None if it is not 1..width digits."""
    if re.fullmatch(r"\d{1,%d}" % width, code):
        return code.zfill(width)
    return None


def code_in_parens(value: str, width: int) -> str | None:
    m = re.fullmatch(r"(.*?)\s*\((\d{1,%d})\)" % width, value)
    return m.group(2).zfill(width) if m else None


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """All records of a CSV file, each with the physical line number it starts on."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not valid UTF-8 ({exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out = []
    start = 1
    try:
        for row in reader:
            out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path.name}: CSV syntax error near line {reader.line_num} ({exc})") from exc
    return out


def classify_note(note: str) -> int | None:
    for pattern, whole in WHOLE_RULES:
        if re.fullmatch(pattern, note):
            return whole
    return None


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            assert all("\n" not in c and "\r" not in c for c in row), row
            writer.writerow([unicodedata.normalize("NFC", c) for c in row])


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: clean-official-data.py INPUT_DIR OUTPUT_DIR", file=sys.stderr)
        return 2
    in_dir, out_dir = Path(argv[1]), Path(argv[2])
    errors: list[str] = []      # fatal: would lose or corrupt data
    notes: list[str] = []       # odd but handled; goes into PROVENANCE.md

    # ------------------------------------------------------------------ old list
    old_rows = read_rows(in_dir / OLD_LIST)
    if not old_rows or [clean(c) for c in old_rows[0][1]] != OLD_HEADER:
        raise InputError(f"{OLD_LIST}: unexpected header {old_rows[:1]}")
    old_prov: dict[str, str] = {}                 # code -> name
    districts: dict[str, tuple[str, str]] = {}    # code -> (province_code, name)
    communes24: dict[str, list[str]] = {}         # code -> [prov, dist, code, name, type]
    districts_without_communes: list[tuple[str, str, str]] = []
    type_overrides: list[str] = []
    english_names = 0
    ws_fixed_old = 0
    for lineno, row in old_rows[1:]:
        where = f"{OLD_LIST} line {lineno}"
        if len(row) != 8:
            errors.append(f"{where}: expected 8 fields, got {len(row)}: {row}")
            continue
        cells = [clean(c) for c in row]
        ws_fixed_old += sum(1 for a, b in zip(row, cells) if a != b)
        pname, pcode, dname, dcode, cname, ccode, level, english = cells
        if english:
            english_names += 1
        p, d = pad(pcode, 2), pad(dcode, 3)
        if not (pname and dname and p and d):
            errors.append(f"{where}: bad province/district fields: {row}")
            continue
        if old_prov.setdefault(p, pname) != pname:
            errors.append(f"{where}: province {p} named both {old_prov[p]!r} and {pname!r}")
        if districts.setdefault(d, (p, dname)) != (p, dname):
            errors.append(f"{where}: district {d} inconsistent: {districts[d]} vs {(p, dname)}")
        if not ccode and not cname and level.lower() == "huyện":
            districts_without_communes.append((p, d, dname))
            continue
        c = pad(ccode, 5)
        if not (c and cname):
            errors.append(f"{where}: bad commune code/name: {row}")
            continue
        ctype = level.lower()
        if ctype not in COMMUNE_TYPES_2024:
            errors.append(f"{where}: unknown commune level {level!r}")
            continue
        name_type = next((t for t in COMMUNE_TYPES_2024 if cname.lower().startswith(t + " ")), None)
        if name_type and name_type != ctype:
            type_overrides.append(f"{c} {cname} (district {d} {dname}): Cấp column says {level!r}, "
                                  f"name says {name_type!r}; type_name set to {name_type!r}")
            ctype = name_type
        rec = [p, d, c, cname, ctype]
        if c in communes24 and communes24[c] != rec:
            errors.append(f"{where}: commune code {c} appears twice with different data")
            continue
        communes24[c] = rec

    district_rows = []
    for d, (p, dname) in sorted(districts.items()):
        dtype = next((t for t in DISTRICT_TYPES if dname.lower().startswith(t + " ")), None)
        if dtype is None:
            errors.append(f"{OLD_LIST}: district {d} {dname!r} has no known type prefix")
            continue
        district_rows.append([p, d, dname, dtype])

    # ------------------------------------------------------------------ new list
    new_rows = read_rows(in_dir / NEW_LIST)
    if not new_rows or [clean(c) for c in new_rows[0][1]] != NEW_HEADER:
        raise InputError(f"{NEW_LIST}: unexpected header {new_rows[:1]}")
    new_prov: dict[str, tuple[str, str]] = {}     # code -> (name, type)
    communes25: dict[str, list[str]] = {}         # code -> [prov, code, name, type]
    for lineno, row in new_rows[1:]:
        where = f"{NEW_LIST} line {lineno}"
        if len(row) != 6:
            errors.append(f"{where}: expected 6 fields, got {len(row)}: {row}")
            continue
        pcode, pname, ptype, ccode, cname, ctype = (clean(c) for c in row)
        p, c = pad(pcode, 2), pad(ccode, 5)
        if not (p and c and pname and ptype and cname and ctype):
            errors.append(f"{where}: missing or bad field: {row}")
            continue
        if new_prov.setdefault(p, (pname, ptype)) != (pname, ptype):
            errors.append(f"{where}: province {p} inconsistent: {new_prov[p]} vs {(pname, ptype)}")
        if not cname.lower().startswith(ctype + " "):
            notes.append(f"{NEW_LIST}: {c} {cname!r} does not start with its commune_type {ctype!r}")
        rec = [p, c, cname, ctype]
        if c in communes25 and communes25[c] != rec:
            errors.append(f"{where}: commune code {c} appears twice with different data")
            continue
        communes25[c] = rec

    # ------------------------------------------------------------------ old-to-new table
    o2n_rows = read_rows(in_dir / OLD_TO_NEW)
    if len(o2n_rows) < 3 or [clean(c) for c in o2n_rows[1][1][:8]] != O2N_HEADER:
        raise InputError(f"{OLD_TO_NEW}: unexpected header lines {o2n_rows[:2]}")
    banners: list[str] = []
    multiline_cells = 0
    ws_fixed_o2n = 0
    nonnfc_cells = 0
    pairs: dict[tuple[str, str], list[str]] = {}
    exact_dupes = 0
    no_old_code: list[dict] = []
    old_missing: dict[str, list[str]] = {}       # old code -> [row info]
    old_name_mismatch: list[tuple] = []
    old_name_variant = 0
    new_name_mismatch: Counter = Counter()
    o2n_prov_mismatch: list[str] = []
    prov_pairs: set[tuple[str, str]] = set()
    table_old_codes: set[str] = set()
    table_new_codes: set[str] = set()
    district_name_mismatch: dict[str, tuple[str, str]] = {}
    notes_seen: Counter = Counter()
    for lineno, row in o2n_rows[2:]:
        where = f"{OLD_TO_NEW} line {lineno}"
        multiline_cells += sum(1 for c in row if "\n" in c or "\r" in c)
        nonnfc_cells += sum(1 for c in row if unicodedata.normalize("NFC", c) != c)
        cells = [clean(c) for c in row]
        ws_fixed_o2n += sum(1 for a, b in zip(row, cells) if a != b)
        if len(cells) < 8 or any(cells[8:]):
            errors.append(f"{where}: expected 8 data fields (+ empty trailing), got {row}")
            continue
        cells = cells[:8]
        if not any(cells):
            continue
        if cells[0] and not any(cells[1:]):
            banners.append(cells[0])
            continue
        prov_col, new_name, new_code, old_name, old_code, note, dist_col, old_prov_col = cells
        n = pad(new_code, 5)
        new_p_col = code_in_parens(prov_col, 2)
        old_p_col = code_in_parens(old_prov_col, 2)
        d_col = code_in_parens(dist_col, 3)
        if not (n and new_name and note and new_p_col and old_p_col and d_col):
            errors.append(f"{where}: cannot parse new code / note / province / district columns: {row}")
            continue
        whole = classify_note(note)
        if whole is None:
            errors.append(f"{where}: unknown note {note!r}; add it to WHOLE_RULES")
            continue
        notes_seen[note] += 1
        if n not in communes25:
            errors.append(f"{where}: new code {n} not in {NEW_LIST}")
            continue
        table_new_codes.add(n)
        if d_col in districts and fold(dist_col[: dist_col.rfind("(")]) != fold(districts[d_col][1]):
            district_name_mismatch.setdefault(d_col, (clean(dist_col[: dist_col.rfind("(")]),
                                                      districts[d_col][1]))
        new_p = communes25[n][0]
        if new_p != new_p_col:
            o2n_prov_mismatch.append(f"line {lineno}: new commune {n} is in province {new_p} "
                                     f"but the province column says {prov_col!r}")
        if fold(new_name) != fold(communes25[n][2]):
            new_name_mismatch[(n, new_name, communes25[n][2])] += 1

        if not old_code:
            # No old commune code: a whole district without communes, or an area that was
            # not a commune.  Cannot be an (old commune, new commune) pair; reported instead.
            dist = districts.get(d_col)
            old_p = dist[0] if dist else old_p_col
            if old_p != old_p_col:
                o2n_prov_mismatch.append(f"line {lineno}: old district {d_col} is in province {old_p} "
                                         f"but the 'Tỉnh cũ' column says {old_prov_col!r}")
            prov_pairs.add((old_p, new_p))
            no_old_code.append(dict(row=lineno, new_code=n, new_name=communes25[n][2],
                                    old_name=old_name, district=dist_col, province=old_prov_col,
                                    note=note, district_known=dist is not None))
            continue
        o = pad(old_code, 5)
        if not (o and old_name):
            errors.append(f"{where}: cannot parse old commune code/name: {row}")
            continue
        table_old_codes.add(o)
        if o in communes24:
            old_p, old_d = communes24[o][0], communes24[o][1]
            if (old_p, old_d) != (old_p_col, d_col):
                o2n_prov_mismatch.append(
                    f"line {lineno}: old commune {o} {communes24[o][3]!r} is in province {old_p} / district "
                    f"{old_d} in {OLD_LIST}, but the table says {old_prov_col!r} / {dist_col!r}")
            list_name = communes24[o][3]
            if fold(old_name) != fold(list_name):
                same = [c for c, r in communes24.items() if r[1] == d_col and fold(r[3]) == fold(old_name)]
                old_name_mismatch.append((lineno, o, old_name, list_name, same))
            elif old_name != list_name:
                old_name_variant += 1
        else:
            dist = districts.get(d_col)
            old_p = dist[0] if dist else old_p_col
            if old_p != old_p_col:
                o2n_prov_mismatch.append(f"line {lineno}: old district {d_col} is in province {old_p} "
                                         f"but the 'Tỉnh cũ' column says {old_prov_col!r}")
            same = [c for c, r in communes24.items() if r[1] == d_col and fold(r[3]) == fold(old_name)]
            old_missing.setdefault(o, []).append(
                f"{old_name} ({dist_col}, {old_prov_col}) → {n} {communes25[n][2]}"
                + (f"; {OLD_LIST} has a commune of that name in district {d_col} under code "
                   + ", ".join(same) if same else "; no commune of that name in that district in "
                   + OLD_LIST))
        prov_pairs.add((old_p, new_p))
        key = (o, n)
        rec = [o, n, str(whole), note]
        if key in pairs:
            if pairs[key] == rec:
                exact_dupes += 1
                continue
            errors.append(f"{where}: pair {o}->{n} appears twice with different notes: "
                          f"{pairs[key][3]!r} vs {note!r}")
            continue
        pairs[key] = rec

    if errors:
        print(f"clean-official-data: {len(errors)} input row(s) could not be parsed safely:", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1

    # ------------------------------------------------------------------ derived checks
    whole_multi = defaultdict(set)
    for (o, n), rec in pairs.items():
        if rec[2] == "1":
            whole_multi[o].add(n)
    whole_multi = {o: sorted(ns) for o, ns in whole_multi.items() if len(ns) > 1}
    old_not_in_table = sorted(set(communes24) - table_old_codes)
    new_not_in_table = sorted(set(communes25) - table_new_codes)
    song_phuong = pairs.get(("09829", "09784"))
    if not song_phuong or song_phuong[2] != "1":
        print("clean-official-data: sanity check failed: 09829 -> 09784 whole=1 missing", file=sys.stderr)
        return 1
    bad_new = [n for (_, n) in pairs if n not in communes25]
    if bad_new:
        print(f"clean-official-data: new codes missing from {NEW_LIST}: {bad_new}", file=sys.stderr)
        return 1

    # ------------------------------------------------------------------ provinces
    def old_ptype(name: str) -> str:
        return "thành phố trung ương" if name.startswith("Thành phố") else "tỉnh"

    province_rows = []
    renamed_codes = []
    for code in sorted(set(old_prov) | set(new_prov)):
        if code in old_prov and code in new_prov:
            if old_prov[code] == new_prov[code][0]:
                province_rows.append([code, old_prov[code], new_prov[code][1], "", ""])
                if old_ptype(old_prov[code]) != new_prov[code][1]:
                    notes.append(f"province {code}: derived old type {old_ptype(old_prov[code])!r} differs "
                                 f"from the 2025 type {new_prov[code][1]!r}; the 2025 type is used")
            else:
                renamed_codes.append(f"{code}: {old_prov[code]} → {new_prov[code][0]}")
                province_rows.append([code, old_prov[code], old_ptype(old_prov[code]), "", REFORM_DATE])
                province_rows.append([code, new_prov[code][0], new_prov[code][1], REFORM_DATE, ""])
        elif code in old_prov:
            province_rows.append([code, old_prov[code], old_ptype(old_prov[code]), "", REFORM_DATE])
        else:
            province_rows.append([code, new_prov[code][0], new_prov[code][1], REFORM_DATE, ""])

    commune24_rows = [communes24[c] for c in sorted(communes24)]
    commune25_rows = [communes25[c] for c in sorted(communes25)]
    succession_rows = [pairs[k] for k in sorted(pairs)]
    prov_succ_rows = [list(k) for k in sorted(prov_pairs)]
    old_prov_in_table = {o for o, _ in prov_pairs}
    old_prov_absent = sorted(set(old_prov) - old_prov_in_table)

    # ------------------------------------------------------------------ write
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [
        ("provinces.csv", ["code", "name", "type_name", "valid_from", "valid_to"], province_rows),
        ("districts-2024.csv", ["province_code", "code", "name", "type_name"], district_rows),
        ("communes-2024.csv", ["province_code", "district_code", "code", "name", "type_name"], commune24_rows),
        ("communes-2025.csv", ["province_code", "code", "name", "type_name"], commune25_rows),
        ("successions-2025.csv", ["old_code", "new_code", "whole", "note"], succession_rows),
        ("province-successions-2025.csv", ["old_code", "new_code"], prov_succ_rows),
    ]
    for name, header, rows in outputs:
        write_csv(out_dir / name, header, rows)

    counts = {name: len(rows) for name, _, rows in outputs}
    whole_counts = Counter(r[2] for r in succession_rows)

    # ------------------------------------------------------------------ PROVENANCE.md
    L: list[str] = []
    add = L.append
    add("# Provenance of the official administrative-unit data")
    add("")
    add("Generated by `scripts/clean-official-data.py`; do not edit by hand. Regenerate from the repository root with")
    add("")
    add("    python3 scripts/clean-official-data.py /work/shared/data Resources/Data/official")
    add("")
    add("## Source")
    add("")
    add("Public data of Vietnam's General Statistics Office (Tổng cục Thống kê) list of administrative units")
    add("(danh mục đơn vị hành chính), as compiled in the open-source VietnamProvinces project, data version")
    add(f"{DATA_VERSION}. The code list follows Decision 19/2025/QĐ-TTg. The reform date is **1 July 2025**")
    add("(`2025-07-01`): on that day the district level was abolished and 63 provinces became 34.")
    add("")
    add("Inputs (read-only):")
    add("")
    add(f"- `{OLD_LIST}`: three-level list of 4 January 2025 (province, district, commune).")
    add(f"- `{NEW_LIST}`: units in force since 1 July 2025 (province, commune; no district level).")
    add(f"- `{OLD_TO_NEW}`: how each old commune went into the new communes (whole or part).")
    add("")
    add("## Files")
    add("")
    add("| file | rows | columns | content |")
    add("|---|---:|---|---|")
    desc = {
        "provinces.csv": "union of the 63 pre-reform and 34 post-reform provinces; `valid_from`/`valid_to` "
                         "are empty or 2025-07-01",
        "districts-2024.csv": "districts of the pre-reform list (abolished 2025-07-01)",
        "communes-2024.csv": "communes of the pre-reform list",
        "communes-2025.csv": "communes in force since 2025-07-01",
        "successions-2025.csv": "one row per (old commune, new commune) pair; `whole`=1 if the whole old "
                                "commune went into this new one",
        "province-successions-2025.csv": "which new province(s) each old province's communes went into",
    }
    for name, header, rows in outputs:
        add(f"| `{name}` | {len(rows)} | `{','.join(header)}` | {desc[name]} |")
    add("")
    add("Row counts exclude the header row. Codes are zero-padded strings: provinces 2 digits, districts 3,")
    add("communes 5. Commune codes are unique only within one list: many 2025 communes reuse the code of one")
    add("of the old communes they absorbed, so always qualify a code by the list (2024 or 2025) it comes from.")
    add("")
    add("## Cleaning rules")
    add("")
    add("- Every cell: Unicode NFC, every run of whitespace (including line breaks inside quoted cells) collapsed")
    add("  to one space, leading/trailing whitespace removed. Names are otherwise kept as given (capitalisation")
    add("  such as `Thị Trấn`, `Thị Xã` and old-style tone placement such as `Hoà` are not changed).")
    add("- Output: UTF-8 without BOM, LF line endings, header row, standard CSV quoting (only when needed).")
    add("- `provinces.csv`: a code in both lists with the same name gives one row with empty validity; a code")
    add("  whose name changed gives an old row (`valid_to`=2025-07-01) and a new row (`valid_from`=2025-07-01);")
    add("  codes only in the old list end on 2025-07-01, codes only in the new list start then. `type_name` of")
    add("  2025 provinces is `province_type` from the 2025 list; for old-only provinces it is")
    add("  `thành phố trung ương` when the name starts with `Thành phố`, else `tỉnh`.")
    add("- `districts-2024.csv`: distinct districts; `type_name` from the name prefix (`quận`, `huyện`, `thị xã`,")
    add("  `thành phố`, matched case-insensitively). Districts that have no communes are included.")
    add("- `communes-2024.csv`: `type_name` is the `Cấp` column lower-cased, except where it contradicts the")
    add("  name's prefix (listed below). The English-name column of the input is not carried over.")
    add("- `communes-2025.csv`: `type_name` is `commune_type` as given (`xã`, `phường`, `đặc khu`).")
    add(f"- `successions-2025.csv`: the two header lines and the {len(banners)} province banner lines of the")
    add("  old-to-new table are skipped; exact duplicate pairs are dropped"
        f" ({exact_dupes} found); `note` is the original Vietnamese note (whitespace-normalised only).")
    add("  `whole` is derived from the note:")
    add("")
    add("  | note | whole | rows |")
    add("  |---|---:|---:|")
    for note, cnt in sorted(notes_seen.items(), key=lambda kv: (-kv[1], kv[0])):
        add(f"  | {note} | {classify_note(note)} | {cnt} |")
    add("")
    add("  Besides `Nhập toàn bộ` (merged whole), notes saying the unit was kept unchanged (`Giữ nguyên`),")
    add("  only renamed (`Đổi tên`), only changed type (`Đổi loại hình`) or reorganised whole into a special zone")
    add("  (`Sắp xếp toàn bộ …`) also give `whole`=1, because the entire old commune went into one new commune.")
    add("  All part-transfers, `Nhập toàn bộ diện tích` (Kỳ Lợi 18796: whole area to one new commune but its")
    add("  population split over three) and renames of a part give 0. Unknown notes stop the script.")
    add(f"  Result: {whole_counts.get('1', 0)} rows with whole=1, {whole_counts.get('0', 0)} with whole=0.")
    add("- `province-successions-2025.csv`: the new province is the province of the new commune in the 2025")
    add("  list. The old province is taken from the old commune's row in the 2024 list (or, when the old")
    add("  commune code is not there, from the old district's row, and failing that from the code in")
    add("  parentheses of the `Tỉnh cũ` column); disagreements with the `Tỉnh cũ` column are listed below.")
    add("- Validation: every `new_code` in `successions-2025.csv` exists in `communes-2025.csv` (the script fails")
    add("  otherwise); the script also fails on any row it cannot parse without losing data.")
    add("")
    add("## Oddities found in the inputs")
    add("")
    add(f"- Whitespace: {ws_fixed_old} cells of `{OLD_LIST}` and {ws_fixed_o2n} cells of `{OLD_TO_NEW}` had")
    add(f"  leading/trailing/double spaces; {multiline_cells} cells of `{OLD_TO_NEW}` contain line breaks inside")
    add(f"  quotes (so its physical line count is larger than its record count); {nonnfc_cells} of its cells were not")
    add("  NFC-normalised (decomposed diacritics). All were normalised.")
    add(f"- `{OLD_LIST}` has {len(old_prov)} provinces, {len(districts)} districts and {len(communes24)} communes;")
    add(f"  {english_names} rows fill the optional English-name column (dropped).")
    add(f"- {len(districts_without_communes)} districts of `{OLD_LIST}` have no communes (a row with empty commune")
    add("  fields and `Cấp` = `Huyện`); they are in `districts-2024.csv` only: "
        + ", ".join(f"{d} {n} ({p})" for p, d, n in districts_without_communes) + ".")
    if type_overrides:
        add("- `Cấp` column contradicting the commune name (name wins):")
        for t in type_overrides:
            add(f"  - {t}")
    add(f"- `{NEW_LIST}` has {len(new_prov)} provinces and {len(communes25)} communes.")
    for n_ in notes:
        add(f"- {n_}")
    if renamed_codes:
        add(f"- Province codes reused for a differently named province after the reform ({len(renamed_codes)};")
        add("  two rows each in `provinces.csv`): " + "; ".join(renamed_codes) + ".")
    add(f"- Province banner lines in `{OLD_TO_NEW}` ({len(banners)}) are upper-case names, except: "
        + (", ".join(f"`{b}`" for b in banners if b != b.upper()) or "none") + ".")
    add(f"- {len(no_old_code)} rows of `{OLD_TO_NEW}` have no old commune code, so they cannot be an (old")
    add("  commune, new commune) pair and are not in `successions-2025.csv` (their province pair is in")
    add("  `province-successions-2025.csv`):")
    for r in no_old_code:
        what = f"old unit `{r['old_name']}`" if r["old_name"] else "whole district"
        add(f"  - line {r['row']}: {what} of {r['district']}, {r['province']} → {r['new_code']} {r['new_name']}"
            f" ({r['note']})")
    add(f"- {len(old_missing)} old commune codes in `{OLD_TO_NEW}` are not in `{OLD_LIST}`; their succession")
    add("  rows are kept in `successions-2025.csv` as published:")
    for o in sorted(old_missing):
        for info in old_missing[o]:
            add(f"  - {o}: {info}")
    add(f"- {len(old_not_in_table)} communes of `{OLD_LIST}` never appear as an old code in `{OLD_TO_NEW}`"
        " (they have no successor in `successions-2025.csv`): "
        + ", ".join(f"{c} {communes24[c][3]} ({communes24[c][1]})" for c in old_not_in_table) + ".")
    add("  Together with the previous item this looks like units reorganised or recoded between the")
    add("  4 January 2025 list and the table (e.g. Mộc Châu appears as a thị xã in the table, a huyện in the")
    add("  list; several Hồ Chí Minh City wards carry different codes), plus a few probable code typos in the")
    add("  table (see the appendix). They are reported here, not corrected.")
    add(f"- {len(new_not_in_table)} communes of `{NEW_LIST}` never appear as a new code in `{OLD_TO_NEW}`"
        + (": " + ", ".join(new_not_in_table) if new_not_in_table else "") + ".")
    if whole_multi:
        add("- Old communes marked as merged whole into more than one new commune (contradictory; probably a")
        add("  wrong old code in the table, see the name mismatches below): "
            + "; ".join(f"{o} → {', '.join(ns)}" for o, ns in sorted(whole_multi.items())) + ".")
    if o2n_prov_mismatch:
        add(f"- Province/district columns of `{OLD_TO_NEW}` that disagree with the lists (the lists win):")
        for m in o2n_prov_mismatch:
            add(f"  - {m}")
    add(f"- Names in `{OLD_TO_NEW}` are not used (names come from the lists). New commune names: "
        + (f"{len(new_name_mismatch)} differ from the 2025 list beyond diacritics/apostrophes/case/"
           "spacing, e.g. " + ", ".join(f"{n} `{a}` vs `{b}`" for (n, a, b) in sorted(new_name_mismatch)[:5])
           if new_name_mismatch else "all match the 2025 list up to diacritics, apostrophes, case and spacing")
        + ".")
    if district_name_mismatch:
        add(f"  Old district names in the table that differ from `{OLD_LIST}` for the same code: "
            + "; ".join(f"{d} `{a}` vs `{b}`" for d, (a, b) in sorted(district_name_mismatch.items())) + ".")
    add(f"  For old communes, {old_name_variant} rows differ from the 2024 list only in diacritics, apostrophes,")
    add(f"  case or spacing (e.g. `Hòa`/`Hoà`, `Đăk`/`Đắk`) and {len(old_name_mismatch)} differ more; those are listed in the appendix.")
    add("")
    add("## Appendix: old commune names in the old-to-new table that differ from the 2024 list")
    add("")
    add("Most are spelling variants (S/X, Quý/Quí, Đăk/Đắk), renamed or re-typed units, or `NT` = `Nông trường`.")
    add("Where the table's name matches a different commune of the same district in the 2024 list, the old code")
    add("in the table is probably a typo; the code is still used as published.")
    add("")
    add(f"| line | old code | name in `{OLD_TO_NEW}` | name in `{OLD_LIST}` | same name in same district |")
    add("|---:|---|---|---|---|")
    for lineno, o, a, b, same in old_name_mismatch:
        add(f"| {lineno} | {o} | {a} | {b} | {', '.join(c for c in same if c != o)} |")
    add("")
    (out_dir / "PROVENANCE.md").write_text("\n".join(L), encoding="utf-8", newline="\n")

    # ------------------------------------------------------------------ report
    print(f"old-to-new: {len(no_old_code)} rows without old code, {len(old_missing)} old codes not in "
          f"{OLD_LIST}, {len(o2n_prov_mismatch)} province/district column mismatches, "
          f"{exact_dupes} exact duplicates dropped (details in PROVENANCE.md)", file=sys.stderr)
    print("row counts:")
    for name, cnt in counts.items():
        print(f"  {name:32s} {cnt:6d}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except InputError as exc:
        print(f"clean-official-data: {exc}", file=sys.stderr)
        sys.exit(1)
