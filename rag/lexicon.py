"""Residents' words -> the articles' words, so colloquial and English questions find their figures.

Expansion only adds terms: the resident's own words still count. Entries are
everyday wording for public services, not answers; add to them when the feedback
log shows a word the assistant did not understand.
"""

from __future__ import annotations

import re

# colloquial Chinese -> official terms used in the articles
COLLOQUIAL: dict[str, tuple[str, ...]] = {
    "养老院": ("养老机构",),
    "敬老院": ("养老机构",),
    "老人院": ("养老机构",),
    "中小学": ("基础教育学校",),
    "小学初中": ("义务教育",),
    "上小学": ("义务教育",),
    "中小学生": ("在校生",),
    "学生": ("在校生", "学生"),
    "打工": ("随迁子女",),
    "外地": ("随迁子女",),
    "外来务工": ("随迁子女",),
    "助学": ("资助资金",),
    "助学金": ("资助资金",),
    "资助": ("资助资金",),
    "残疾孩子": ("残疾儿童",),
    "新盖": ("新建",),
    "盖了": ("新建",),
    "扩建": ("改扩建",),
    "农村小学": ("乡村小规模学校",),
    "农村小学校": ("乡村小规模学校",),
    "团队": ("队",),
    "家庭医生团队": ("家庭医生队",),
    "公家": ("公有产权", "公立"),
    "慢病": ("重点人群",),
    "吃低保": ("低保对象",),
    "低保户": ("低保对象",),
    "床": ("床位",),
    "装修": ("适老化改造",),
    "结婚证": ("婚姻登记", "新人"),
    "领证": ("婚姻登记", "新人"),
    "结婚": ("婚姻登记",),
    "外省": ("跨省",),
    "丧事": ("殡葬",),
    "丧葬": ("殡葬",),
    "暖气": ("集中供热",),
    "供暖": ("集中供热",),
    "自来水": ("供水",),
    "天然气": ("燃气",),
    "煤气": ("燃气",),
    "井盖": ("管井盖",),
    "车位": ("停车位",),
    "坑洼": ("道路病害",),
    "破损": ("道路病害",),
    "路灯": ("亮灯", "灭灯", "路段"),
    "歇脚": ("城市驿站",),
    "管道": ("管网",),
    "水管": ("管网",),
    "摄像头": ("视频",),
    "监控": ("视频",),
    "上访": ("信访",),
    "投诉": ("信访",),
    "接单": ("签收",),
    "随手拍": ("郑好拍",),
    "村里": ("农村", "乡村", "村"),
    "农村": ("乡村",),
    "小学校": ("学校",),
    "反映": ("事件",),
    "诉求": ("事件",),
    "事情": ("事件",),
    "孩子": ("儿童", "子女", "学生", "在校生"),
    "小孩": ("儿童", "子女"),
    "家长": ("随迁子女",),
    "上学": ("在校生",),
    "初中": ("义务教育",),
    "小学": ("义务教育",),
    "钱": ("资金", "亿元"),
    "老百姓": ("群众", "市民"),
    "户口": ("跨省",),
    "困难": ("资助",),
    "环卫工": ("城市驿站",),
    "手机": ("郑好拍",),
    "河南": ("全省",),
    "河南省": ("全省",),
    "上一年": ("同比",),
    "去年": ("同比",),
    "整治": ("治理",),
    "修": ("治理", "修复"),
    "供应": ("供水",),
    "老人": ("老年人", "养老"),
    "老年": ("养老", "老年人"),
    "残疾人": ("残疾", "特殊群体"),
    "问题": ("事件",),
    "坏路": ("道路病害",),
}

# English -> Chinese, longest phrases first when applied
ENGLISH: dict[str, tuple[str, ...]] = {
    "basic education school": ("基础教育学校",),
    "school": ("学校",),
    "student": ("在校生",),
    "elderly care institution": ("养老机构",),
    "nursing home": ("养老机构",),
    "elderly care": ("养老",),
    "community care center": ("社区照料中心",),
    "meal": ("助餐点",),
    "bed": ("床位",),
    "satisfaction rate": ("满意率",),
    "satisfaction": ("满意率",),
    "completion rate": ("办结率",),
    "unified": ("统一平台",),
    "platform": ("平台",),
    "volunteer": ("志愿者",),
    "grid governance": ("网格治理",),
    "grid": ("网格",),
    "rural": ("农村",),
    "community": ("社区",),
    "micro": ("微网格",),
    "work order": ("工单",),
    "hotline": ("热线",),
    "connected": ("接入",),
    "governance platform": ("城市治理平台",),
    "gas": ("燃气",),
    "coverage": ("普及率",),
    "family doctor": ("家庭医生队",),
    "team": ("队",),
    "parking": ("停车位",),
    "shared": ("共享",),
    "petition": ("信访总量",),
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
    "camera": ("视频",),
    "video": ("视频",),
    "sensor": ("传感器",),
    "street light": ("亮灯",),
    "manhole": ("管井盖",),
    "pipe": ("管网",),
    "marriage": ("婚姻登记",),
    "funeral": ("殡葬",),
    "disability": ("残疾人",),
    "subsid": ("补贴",),
    "minor": ("未成年人保护机构",),
    "orphan": ("困境儿童",),
    "medical": ("医疗",),
    "zhengzhou": ("郑州",),
    "luoyang": ("洛阳",),
    "kaifeng": ("开封",),
    "beijing": ("北京",),
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
    "区域医疗中心 医学中心 临床重点专科 医学重点学科 城市医疗集团 绿城通老年卡 郑好拍 机关干部 "
    "志愿者 工单 统一平台 城市治理平台 签收时间 突发事件 婚姻登记 跨省通办 两项补贴 资助资金 入学率"
).split()

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_english(text: str) -> bool:
    """Mostly Latin letters and no Chinese: answer from the Chinese source, say so in English."""
    return bool(_LATIN.search(text)) and not _CJK.search(text)


def english_to_chinese(text: str) -> str:
    """Chinese search terms for an English question ('' when none is known)."""
    low = text.lower()
    terms: list[str] = []
    for phrase in sorted(ENGLISH, key=len, reverse=True):
        if phrase in low:
            low = low.replace(phrase, " ")
            terms.extend(ENGLISH[phrase])
    return " ".join(dict.fromkeys(terms))


def expansions(text: str) -> list[str]:
    """The official terms that the colloquial words in text stand for."""
    extra: list[str] = []
    for word in sorted(COLLOQUIAL, key=len, reverse=True):
        if word in text:
            extra.extend(t for t in COLLOQUIAL[word] if t not in text)
    return list(dict.fromkeys(extra))
