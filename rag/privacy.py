"""Personal data in residents' text: found before answering, masked before storing or logging.

Residents sometimes type their phone, ID or card number, or their home address, into a public
kiosk. The assistant never needs them: the question is answered with them removed
(`remove_personal_data`), and whatever is stored or logged shows only their kind
(`mask_personal_data`: 我的手机号是[手机号已隐藏]).

Numbers are read through a same-length view of the text (full-width digits and punctuation as
ASCII), so 138－1234－5678 is caught like 138-1234-5678 and every span maps back to the original.
A run of digits with separators (spaces, -, ., ·, brackets) is classified by its digits:
an 18-character ID must pass the GB 11643 check digit and carry a real birth date, a bank
card must pass the Luhn check, a mobile number starts 1[3-9] (with or without +86/0086), a
landline has an area code; a long run that is none of these is still a 号码 a resident typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# One character for one character: spans found in the view are spans of the original text.
_VIEW = str.maketrans(
    "０１２３４５６７８９＋－（）．＠ｘＸ　—–‐﹣",
    "0123456789+-().@xX ----",
)
# Spoken digits (一三八一二三四五六七八 / 幺三八…): only ever read as a whole mobile number.
_SPOKEN = str.maketrans("〇零幺一二三四五六七八九", "001123456789")

# separators at most three in a row, each run ending in a digit: no backtracking blow-up on hostile text
_RUN = re.compile(r"(?<![\dA-Za-z])(?:\+|00)?\(?\d(?:[ \-.·()]{0,3}\d)*[Xx]?(?![\dA-Za-z])")
_SEP = re.compile(r"[ \-.·()]+")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Za-hj-np-z][·• \-]?[A-HJ-NP-Za-hj-np-z0-9]{4,5}[A-HJ-NP-Za-hj-np-z0-9挂学警]?(?![A-Za-z0-9])"
)
_SPOKEN_MOBILE = re.compile(
    r"(?<![〇零幺一二三四五六七八九十百千万])[幺一][三四五六七八九][〇零幺一二三四五六七八九]{9}(?![〇零幺一二三四五六七八九十百千万])"
)
# A labelled account: QQ号 12345678, 微信号 abc_123, 座机 67891234 (a bare 7-8 digit number is a figure otherwise).
_LABELLED = re.compile(
    r"(?P<label>QQ号?|qq号?|微信号?|座机|固话|电话|手机|联系方式)(?:码)?(?:是|为|：|:)?\s*(?P<value>[A-Za-z0-9_\-]{5,20})"
)
# Addresses down to a building, unit or room: 花园路12号院3号楼2单元502室, 幸福小区5栋1单元301, 3-2-502.
_PLACE_NAME = r"[\u4e00-\u9fa5]{1,12}?(?:路|街|大街|大道|巷|胡同|小区|花园|家园|公寓|苑|里|村|社区|大厦|新城|广场|院)(?:[东西南北中]段)?"
_UNIT = r"(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户)(?!线|文|令|码|台|机|窗)"
_NUM = r"(?:(?<!\d)\d{1,5}|(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,4})"  # bounded: linear on hostile text
_ADDRESS = re.compile(
    rf"(?P<named>{_PLACE_NAME}\s*(?:{_NUM}{_UNIT}(?:\s*[-之]?\s*{_NUM}{_UNIT})*|\d{{1,5}}-\d{{1,5}}(?:-\d{{1,5}}){{1,3}}))"
    rf"|(?P<units>{_NUM}{_UNIT}(?:\s*[-之]?\s*{_NUM}{_UNIT})+)"
)
# Words that introduce the data; removed with it, so 我的手机号是 does not become the question's topic.
_LEAD_IN = re.compile(
    r"(?:我的|我家的?|本人的?|我)?(?:手机号码?|手机|电话号码?|电话|座机|联系方式|身份证号码?|身份证|证件号码?|"
    r"银行卡号?|卡号|社保卡号?|邮箱地址|邮箱|电子邮件|车牌号码?|车牌|住址|家庭住址|地址|家住|住在|QQ号?|微信号?)"
    r"(?:是|为|：|:)?\s*$"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Fixed order of kinds, as find_personal_data reports them.
KINDS = ("身份证号", "手机号", "电话号码", "银行卡号", "号码", "电子邮箱", "车牌号", "住址", "账号")


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind and where it is in the text."""

    kind: str
    start: int
    end: int


def valid_id(digits: str) -> bool:
    """An 18-character mainland ID: a real birth date and the GB 11643 check character."""
    if not re.fullmatch(r"\d{17}[\dXx]", digits):
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= date.today().year:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn(digits: str) -> bool:
    """The Luhn check every bank card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def classify_number(digits: str) -> str | None:
    """The kind of personal data a run of digits is (separators removed), or None for an ordinary figure."""
    if len(digits) == 18 and valid_id(digits):
        return "身份证号"
    if not digits.isdigit():
        return None
    national = digits
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) in (10, 11, 12):
            national = digits[len(prefix) :]
            break
    if re.fullmatch(r"1[3-9]\d{9}", national):
        return "手机号"
    if national != digits and re.fullmatch(r"[1-9]\d{9,10}", national):  # +86 371 67891234: the 0 dropped
        return "电话号码"
    if re.fullmatch(r"0[1-9]\d{8,10}", national):  # area code (3-4 digits with its 0) + 7-8 digits
        return "电话号码"
    if 16 <= len(digits) <= 19 and luhn(digits):
        return "银行卡号"
    if len(digits) >= 15:
        return "号码"  # an ID with a typo, an account: no figure in a question is this long
    return None


def _numbers(view: str) -> list[Found]:
    found: list[Found] = []
    for m in _RUN.finditer(view):
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in re.finditer(r"\d+[Xx]?", m.group(0))]
        i = 0
        while i < len(groups):
            # the longest run of groups from here that is personal data (13812345678 93家: the phone alone)
            for j in range(len(groups), i, -1):
                s, e = groups[i][0], groups[j - 1][1]
                digits = _SEP.sub("", view[s:e]).replace("+", "")
                kind = classify_number(digits)
                if kind:
                    if view[s - 1 : s] == "+" or view[s - 2 : s] == "+(":
                        s -= 2 if view[s - 1 : s] == "(" else 1
                    found.append(Found(kind, s, e))
                    i = j
                    break
            else:
                i += 1
    return found


def find_spans(text: str) -> list[Found]:
    """Every piece of personal data in text, in order, without overlaps."""
    view = text.translate(_VIEW)
    found = [Found("电子邮箱", m.start(), m.end()) for m in _EMAIL.finditer(view)]
    found += _numbers(view)
    found += [Found("手机号", m.start(), m.end()) for m in _SPOKEN_MOBILE.finditer(text)]
    for m in _LABELLED.finditer(view):
        value = m.group("value")
        if value.isdigit() and len(value) < 7:
            continue  # 电话12345: the hotline, not a resident's number
        kind = "电话号码" if m.group("label") in ("座机", "固话", "电话", "手机") else "账号"
        if value.isdigit() or m.group("label").lower().startswith(("qq", "微信")):
            found.append(Found(kind, m.start("value"), m.end("value")))
    found += [Found("车牌号", m.start(), m.end()) for m in _PLATE.finditer(view)]
    found += [Found("住址", m.start(), m.end()) for m in _ADDRESS.finditer(view)]
    kept: list[Found] = []
    for f in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and f.start < kept[-1].end:
            continue  # the earlier, longer find wins
        kept.append(f)
    return kept


def find_personal_data(text: str) -> list[str]:
    """The kinds of personal data in text (e.g. ["手机号"]), in a fixed order."""
    kinds = {f.kind for f in find_spans(text)}
    return [k for k in KINDS if k in kinds]


def mask_personal_data(text: str) -> str:
    """Replace every piece of personal data with a mask that keeps its kind: [手机号已隐藏]."""
    out, pos = [], 0
    for f in find_spans(text):
        out.append(text[pos : f.start] + f"[{f.kind}已隐藏]")
        pos = f.end
    return "".join(out) + text[pos:]


def remove_personal_data(text: str) -> str:
    """The text with its personal data and the words introducing it (我的手机号是) taken out: what is answered."""
    out, pos = [], 0
    for f in find_spans(text):
        before = text[pos : f.start]
        out.append(_LEAD_IN.sub("", before))
        pos = f.end
    return "".join(out) + text[pos:]
