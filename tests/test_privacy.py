"""The personal-data detector on the formats residents really type, and the figures it must leave alone.

PERSONAL_DATA holds 49 formats (kind, text, the personal data in it); ISSUE_27 names the 27 formats
of issue 12's attack, measured against the old detector (12 caught) and this one (27 caught).
"""

from __future__ import annotations

import pytest

from rag.privacy import find_personal_data, luhn, mask_personal_data, remove_personal_data, valid_id

ID = "41010519900307123X"  # a valid check character (X)
ID2 = "410105199003071213"
CARD16 = "6222021234567894"
CARD19 = "6222021234567890128"

# (kind, question, the personal data that must not survive masking)
PERSONAL_DATA = [
    # mobile numbers
    ("手机号", "我的手机号13812345678，养老院怎么申请？", "13812345678"),
    ("手机号", "电话138-1234-5678，低保怎么办", "138-1234-5678"),
    ("手机号", "联系我 138 1234 5678 谢谢", "138 1234 5678"),
    ("手机号", "我的号码138.1234.5678", "138.1234.5678"),
    ("手机号", "手机：+86 138 1234 5678", "+86 138 1234 5678"),
    ("手机号", "手机+8613812345678", "+8613812345678"),
    ("手机号", "手机0086-138-1234-5678", "0086-138-1234-5678"),
    ("手机号", "手机８６１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("手机号", "我的电话是１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("手机号", "电话１３８－１２３４－５６７８", "１３８－１２３４－５６７８"),
    ("手机号", "手机(+86)13812345678", "13812345678"),
    ("手机号", "打我电话一三八一二三四五六七八", "一三八一二三四五六七八"),
    ("手机号", "13812345678郑州有多少家养老机构", "13812345678"),
    ("手机号", "电话199 9999 0000", "199 9999 0000"),
    # landlines
    ("电话号码", "座机0371-67891234", "0371-67891234"),
    ("电话号码", "电话(0371)67891234", "(0371)67891234"),
    ("电话号码", "电话（0371）67891234", "（0371）67891234"),
    ("电话号码", "电话010-12345678", "010-12345678"),
    ("电话号码", "电话0371 6789 1234", "0371 6789 1234"),
    ("电话号码", "电话+86-371-67891234", "+86-371-67891234"),
    ("电话号码", "家里座机67891234", "67891234"),
    ("电话号码", "电话０３７１－６７８９１２３４", "０３７１－６７８９１２３４"),
    # 18-digit IDs, checksum-validated
    ("身份证号", f"身份证{ID}帮我查低保", ID),
    ("身份证号", f"身份证{ID2}", ID2),
    ("身份证号", "身份证号41010519900307123x", "41010519900307123x"),
    ("身份证号", "410105 19900307 123X 能领补贴吗", "410105 19900307 123X"),
    ("身份证号", "410105-19900307-1213 的低保", "410105-19900307-1213"),
    ("身份证号", "证件号 4101 0519 9003 0712 13", "4101 0519 9003 0712 13"),
    ("身份证号", "身份证４１０１０５１９９００３０７１２１３", "４１０１０５１９９００３０７１２１３"),
    ("身份证号", "110101198512310023的社保", "110101198512310023"),
    # bank cards (Luhn)
    ("银行卡号", f"我的银行卡{CARD16}", CARD16),
    ("银行卡号", f"卡号{CARD19}补贴到账了吗", CARD19),
    ("银行卡号", "卡号6222 0212 3456 7894", "6222 0212 3456 7894"),
    ("银行卡号", "卡号6222-0212-3456-7894", "6222-0212-3456-7894"),
    ("银行卡号", "卡号4367421234567896", "4367421234567896"),
    # e-mail
    ("电子邮箱", "邮箱zhang.san@example.com请回复", "zhang.san@example.com"),
    ("电子邮箱", "发到 li_si+news@mail.qq.com", "li_si+news@mail.qq.com"),
    ("电子邮箱", "邮箱wang@163.com", "wang@163.com"),
    ("电子邮箱", "邮箱 user＠example.cn", "user＠example.cn"),
    # licence plates
    ("车牌号", "我的车牌豫A12345被贴条了", "豫A12345"),
    ("车牌号", "车牌豫A·12345", "豫A·12345"),
    ("车牌号", "新能源车牌豫AD12345", "豫AD12345"),
    ("车牌号", "京B-9X8Y7 违章", "京B-9X8Y7"),
    # addresses down to the building or room
    ("住址", "我住在金水区花园路12号院3号楼2单元502室", "12号院3号楼2单元502室"),
    ("住址", "家住幸福小区5栋1单元301，能申请助餐吗", "5栋1单元301"),
    ("住址", "地址：农业路东段88号", "88号"),
    ("住址", "住在阳光家园3-2-502", "3-2-502"),
    ("住址", "我家在7号楼3单元1201室", "7号楼3单元1201室"),
    # accounts
    ("账号", "我的QQ号123456789", "123456789"),
]

# Formats of issue 12's attack (one per row of its list): 27 in all.
ISSUE_27 = [
    "13812345678",
    "138-1234-5678",
    "138 1234 5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0371-67891234",
    "010-12345678",
    ID2,
    ID,
    "41010519900307123x",
    "110101198512310023",
    "86-13812345678",
    "０３７１－６７８９１２３４",
    "１３８１２３４５６７８",
    "138.1234.5678",
    "(0371)67891234",
    "410105 19900307 123X",
    "410105-19900307-1213",
    CARD16,
    CARD19,
    "6222 0212 3456 7894",
    "zhang.san@example.com",
    "wang@163.com",
    "金水区花园路12号院3号楼2单元502室",
    "幸福小区5栋1单元301",
    "阳光家园3-2-502",
    "（0371）67891234",
]

# Figures, dates, the hotline and public places that must be left alone.
NOT_PERSONAL = [
    "郑州有多少家养老机构？",
    "12345热线一年接了多少电话？",
    "拨打12345市民服务热线",
    "2024年6月12345热线工单全面接入",
    "全市划分了7876个社区网格、11381个农村网格",
    "投入10亿余元加强乡村小规模学校建设",
    "在校生共238.23万人，占常住人口的18.3%",
    "3.1亿平方米的供热面积",
    "地铁1号线什么时候开通？",
    "1.5万余张床位中，护理型床位占比超六成",
    "2023年到2024年增加了多少",
    "18个区县（市）",
    "4.8万",
    "第3号文件",
    "一二三四",
]


@pytest.mark.parametrize(
    ("kind", "text", "data"), PERSONAL_DATA, ids=[f"{k}-{i}" for i, (k, *_) in enumerate(PERSONAL_DATA)]
)
def test_each_format_is_found_by_kind_and_masked(kind, text, data):
    assert kind in find_personal_data(text)
    masked = mask_personal_data(text)
    assert data not in masked and f"[{kind}已隐藏]" in masked
    assert data not in remove_personal_data(text)


def test_the_detector_covers_at_least_40_formats_of_every_required_kind():
    kinds = {k for k, *_ in PERSONAL_DATA}
    assert len(PERSONAL_DATA) >= 40
    assert {"手机号", "电话号码", "身份证号", "银行卡号", "电子邮箱", "车牌号", "住址"} <= kinds


@pytest.mark.parametrize("text", ISSUE_27)
def test_every_format_of_the_issue_is_caught(text):
    assert find_personal_data(f"请问{text}，养老补贴怎么领？"), text


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_figures_dates_and_the_hotline_are_not_personal_data(text):
    assert find_personal_data(text) == [] and mask_personal_data(text) == text


def test_an_id_needs_its_check_character_and_a_real_birth_date():
    assert valid_id(ID) and valid_id(ID2)
    assert not valid_id(ID2[:-1] + "4")  # wrong check digit
    assert not valid_id("410105199013071213")  # month 13
    # an 18-digit run that is not an ID is still masked, as a number no question needs
    assert find_personal_data(f"号码{ID2[:-1]}4") == ["号码"]


def test_a_bank_card_needs_the_luhn_check():
    assert luhn(CARD16) and luhn(CARD19)
    assert not luhn(CARD16[:-1] + "5")


def test_removal_takes_the_introducing_words_too_and_keeps_the_question():
    assert remove_personal_data("我的手机号是13812345678，郑州有多少家养老机构？") == "，郑州有多少家养老机构？"
    assert remove_personal_data(f"身份证{ID}帮我查低保") == "帮我查低保"


def test_a_phone_next_to_a_figure_takes_only_the_phone():
    masked = mask_personal_data("13812345678 93家养老机构")
    assert masked == "[手机号已隐藏] 93家养老机构"


HOSTILE = {
    "digits": "1" * 64_000,
    "numerals": "一二三" * 20_000,
    "dashes": "1-" * 32_000,
    "units": "路1号" * 15_000,
    "rooms": "小区1-1-" * 10_000,
}


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_is_scanned_in_one_pass(hostile):
    """A 64 kB request of digits or numerals once made the patterns backtrack for a minute; now they are bounded."""
    assert isinstance(mask_personal_data(hostile), str)
