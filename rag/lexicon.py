"""Residents' words -> the articles' words, so colloquial and English questions find their figures.

Expansion only adds terms: the resident's own words still count. The lists here are
everyday wording for public services anywhere; a deployment adds its own words in its
profile (rag/profile.py), where words that hold only for its articles belong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# colloquial Chinese -> official terms used in the articles
COLLOQUIAL: dict[str, tuple[str, ...]] = {
    "养老院": ("养老机构",),
    "敬老院": ("养老机构",),
    "老人院": ("养老机构",),
    "新盖": ("新建",),
    "盖了": ("新建",),
    "扩建": ("改扩建",),
    "吃低保": ("低保对象",),
    "低保户": ("低保对象",),
    "床": ("床位",),
    "结婚证": (
        "婚姻登记",
        "新人",
    ),
    "领证": (
        "婚姻登记",
        "新人",
    ),
    "结婚": ("婚姻登记",),
    "丧事": ("殡葬",),
    "丧葬": ("殡葬",),
    "暖气": ("集中供热",),
    "供暖": ("集中供热",),
    "自来水": ("供水",),
    "天然气": ("燃气",),
    "煤气": ("燃气",),
    "上访": ("信访",),
    "村里": (
        "农村",
        "乡村",
        "村",
    ),
    "农村": ("乡村",),
    "小孩": (
        "儿童",
        "子女",
    ),
    "老百姓": (
        "群众",
        "市民",
    ),
    "上一年": ("同比",),
    "去年": ("同比",),
    "老人": (
        "老年人",
        "养老",
    ),
    "老年": (
        "养老",
        "老年人",
    ),
    "残疾人": (
        "残疾",
        "特殊群体",
    ),
}

# English -> Chinese, longest phrases first when applied
ENGLISH: dict[str, tuple[str, ...]] = {
    "basic education school": ("基础教育学校",),
    "school": ("学校",),
    "student": ("学生",),
    "elderly care institution": ("养老机构",),
    "nursing home": ("养老机构",),
    "elderly care": ("养老",),
    "community care center": ("社区照料中心",),
    "meal": ("助餐",),
    "bed": ("床位",),
    "satisfaction rate": ("满意率",),
    "satisfaction": ("满意率",),
    "completion rate": ("办结率",),
    "platform": ("平台",),
    "volunteer": ("志愿者",),
    "grid governance": ("网格治理",),
    "grid": ("网格",),
    "rural": ("农村",),
    "community": ("社区",),
    "work order": ("工单",),
    "hotline": ("热线",),
    "gas": ("燃气",),
    "coverage": ("覆盖率",),
    "family doctor": ("家庭医生",),
    "team": ("团队",),
    "parking": ("停车位",),
    "shared": ("共享",),
    "petition": ("信访",),
    "fall": ("下降",),
    "decrease": ("下降",),
    "drop": ("下降",),
    "compulsory education": ("义务教育",),
    "enrollment rate": ("入学率",),
    "enrolment rate": ("入学率",),
    "disabled children": ("残疾儿童",),
    "disabled": ("残疾",),
    "children": ("儿童",),
    "hospital": ("医院",),
    "heating": ("集中供热",),
    "water supply": ("供水",),
    "sewage": ("污水处理",),
    "low-income": ("低保对象",),
    "subsistence": ("低保对象",),
    "minimum living": ("低保对象",),
    "teacher": ("教师",),
    "funding": ("资金",),
    "camera": ("摄像头",),
    "video": ("视频",),
    "sensor": ("传感器",),
    "street light": ("路灯",),
    "manhole": ("井盖",),
    "pipe": ("管网",),
    "marriage": ("婚姻登记",),
    "funeral": ("殡葬",),
    "disability": ("残疾人",),
    "subsid": ("补贴",),
    "minor": ("未成年人",),
    "orphan": ("孤儿",),
    "medical": ("医疗",),
    "fee": ("收费",),
    "price": ("价格",),
    "cost": ("费用",),
    "subway": ("地铁",),
    "metro": ("地铁",),
    "weather": ("天气",),
    "salary": ("工资",),
}

# Words of the articles' domain that jieba's general dictionary would cut apart
# (适老化 -> 适 / 老化). Loaded into jieba for both indexing and questions.
DOMAIN_WORDS = (
    "适老化 助餐点 养老机构 社区照料中心 护理型床位 困境儿童 随迁子女 基础教育学校 义务教育 管井盖 "
    "城市驿站 共享停车位 集中供热 网格党组织 微网格 农村网格 专属网格 社区网格 综治力量 物联设备 "
    "办结率 满意率 信访总量 医共体 家庭医生队 村卫生室 特困人员 低保对象 残疾儿童 未成年人保护机构 "
    "寄宿制学校 乡村小规模学校 重点人群 签约率 普及率 再生水利用率 道路病害 生命线 燃气安全装置 "
    "区域医疗中心 医学中心 临床重点专科 医学重点学科 城市医疗集团 机关干部 "
    "志愿者 工单 统一平台 城市治理平台 签收时间 突发事件 婚姻登记 跨省通办 两项补贴 资助资金 入学率"
).split()

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


ENGLISH_SHARE = 4  # Latin letters per Chinese character: an English word is ~5 letters, a Chinese one ~2 characters


def is_english(text: str) -> bool:
    """Written in English: Latin letters, and Chinese at most as a quoted term (… home elderly-care bed
    (家庭养老床位) in Luoyang?). A Chinese question naming HPV疫苗 or 12345 stays Chinese."""
    latin, chinese = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return latin > 0 and latin >= ENGLISH_SHARE * chinese


@dataclass(frozen=True)
class Lexicon:
    """Residents' words -> the articles' words: the generic lists above plus a profile's own."""

    colloquial: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(COLLOQUIAL))
    english: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(ENGLISH))

    @classmethod
    def with_words(cls, words: dict[str, tuple[str, ...]], english: dict[str, tuple[str, ...]]) -> Lexicon:
        return cls({**COLLOQUIAL, **words}, {**ENGLISH, **english})

    def english_to_chinese(self, text: str) -> str:
        """Chinese search terms for an English question ('' when none is known): the glossary's, and
        any the resident wrote in Chinese (city stations (城市驿站): the article's own word)."""
        low = text.lower()
        terms: list[str] = _CJK_RUN.findall(text)
        for phrase in sorted(self.english, key=len, reverse=True):
            if phrase in low:
                low = low.replace(phrase, " ")
                terms.extend(self.english[phrase])
        return " ".join(dict.fromkeys(terms))

    def expansions(self, text: str) -> list[str]:
        """The official terms that the colloquial words in text stand for."""
        extra: list[str] = []
        for word in sorted(self.colloquial, key=len, reverse=True):
            if word in text:
                extra.extend(t for t in self.colloquial[word] if t not in text)
        return list(dict.fromkeys(extra))


GENERIC = Lexicon()
