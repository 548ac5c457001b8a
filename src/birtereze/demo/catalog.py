"""The demo's starter catalogue of public services, zones and priority categories (kk, ru, en)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from birtereze.catalog.service import StandardDraft

# code, queue group, outcome required, names (kk, ru, en)
SERVICES: Final[list[tuple[str, str, bool, tuple[str, str, str]]]] = [
    (
        "00100001",
        "social",
        True,
        (
            "Жұмысынан айырылған жағдайда әлеуметтік төлем тағайындау",
            "Назначение социальной выплаты на случай потери работы",
            "Unemployment benefit",
        ),
    ),
    (
        "00100002",
        "social",
        True,
        (
            "Жүктілікке және босануға байланысты әлеуметтік төлем тағайындау",
            "Назначение социальной выплаты по беременности и родам",
            "Pregnancy and maternity benefit",
        ),
    ),
    (
        "00100003",
        "social",
        True,
        (
            "Бала тууына байланысты біржолғы жәрдемақы тағайындау",
            "Назначение единовременного пособия на рождение ребёнка",
            "Childbirth benefit",
        ),
    ),
    (
        "00100004",
        "social",
        True,
        (
            "Бала бір жасқа толғанға дейін оның күтіміне байланысты төлем тағайындау",
            "Назначение выплаты по уходу за ребёнком до достижения им одного года",
            "Child-care benefit to age one",
        ),
    ),
    (
        "00100005",
        "social",
        True,
        (
            "Жасына байланысты зейнетақы төлемдерін тағайындау",
            "Назначение пенсионных выплат по возрасту",
            "Age pension assignment",
        ),
    ),
    (
        "00100006",
        "social",
        True,
        (
            "Мүгедектігі бойынша жәрдемақы тағайындау",
            "Назначение пособия по инвалидности",
            "Disability benefit",
        ),
    ),
    (
        "00100007",
        "social",
        True,
        (
            "Көпбалалы отбасыларға жәрдемақы тағайындау",
            "Назначение пособия многодетным семьям",
            "Large-family benefit",
        ),
    ),
    (
        "00100008",
        "social",
        True,
        ("Тұрғын үй көмегін тағайындау", "Назначение жилищной помощи", "Housing assistance"),
    ),
    (
        "00200001",
        "general",
        False,
        (
            "АХАЖ актілерін тіркеу туралы қайталама куәліктер мен анықтамалар беру",
            "Выдача повторных свидетельств и справок о регистрации актов гражданского состояния",
            "Civil-registry certificate copies",
        ),
    ),
    (
        "00200002",
        "general",
        False,
        ("Баланың тууын тіркеу", "Регистрация рождения ребёнка", "Birth registration"),
    ),
    (
        "00200003",
        "general",
        False,
        ("Неке қиюды тіркеу", "Регистрация заключения брака", "Marriage registration"),
    ),
    (
        "00200004",
        "general",
        False,
        (
            "Білім туралы құжаттардың телнұсқаларын беру",
            "Выдача дубликатов документов об образовании",
            "Duplicates of education documents",
        ),
    ),
    (
        "00200005",
        "fast",
        False,
        (
            "Сотталғандығының бар не жоқ екендігі туралы анықтама беру",
            "Выдача справки о наличии либо отсутствии судимости",
            "Certificate of (no) criminal record",
        ),
    ),
    (
        "00200006",
        "fast",
        False,
        (
            "Жылжымайтын мүлікке тіркелген құқықтар туралы анықтама беру",
            "Выдача справки о зарегистрированных правах на недвижимое имущество",
            "Real-estate rights certificate",
        ),
    ),
    (
        "00200007",
        "fast",
        False,
        (
            "Зейнетақы жарналары туралы анықтама беру",
            "Выдача справки о пенсионных взносах",
            "Pension contributions certificate",
        ),
    ),
    (
        "00200008",
        "fast",
        False,
        ("Мекенжай анықтамасын беру", "Выдача адресной справки", "Address certificate"),
    ),
    (
        "00200009",
        "general",
        False,
        (
            "Тұрғылықты жері бойынша тіркеу",
            "Регистрация по месту жительства",
            "Registration at a residence address",
        ),
    ),
    (
        "00200010",
        "general",
        False,
        (
            "Тұрғылықты жері бойынша тіркеуден шығару",
            "Снятие с регистрации по месту жительства",
            "Deregistration from a residence address",
        ),
    ),
    (
        "00200011",
        "fast",
        False,
        (
            "Электрондық цифрлық қолтаңба (ЭЦҚ) беру",
            "Выдача электронной цифровой подписи (ЭЦП)",
            "Digital signature (EDS) issue",
        ),
    ),
    (
        "00300001",
        "passport",
        True,
        ("Жеке куәлік беру", "Выдача удостоверения личности", "Identity card issue"),
    ),
    (
        "00300002",
        "passport",
        True,
        (
            "Қазақстан Республикасы азаматының паспортын беру",
            "Выдача паспорта гражданина Республики Казахстан",
            "Passport issue",
        ),
    ),
    (
        "00400001",
        "vehicle",
        True,
        ("Көлік құралын тіркеу", "Регистрация транспортного средства", "Vehicle registration"),
    ),
    (
        "00400002",
        "vehicle",
        True,
        ("Көлік құралын есептен шығару", "Снятие транспортного средства с учёта", "Vehicle deregistration"),
    ),
    (
        "00400003",
        "vehicle",
        True,
        (
            "Жүргізуші куәлігін беру және ауыстыру",
            "Выдача и замена водительского удостоверения",
            "Driving licence issue and replacement",
        ),
    ),
    (
        "00400004",
        "vehicle",
        True,
        (
            "Көлік құралын тіркеу куәлігін (техникалық паспортын) беру",
            "Выдача свидетельства о регистрации транспортного средства (техпаспорта)",
            "Vehicle registration certificate (technical passport) issue",
        ),
    ),
    (
        "00400005",
        "vehicle",
        True,
        (
            "Мемлекеттік тіркеу нөмірлік белгілерін беру",
            "Выдача государственных регистрационных номерных знаков",
            "State number plates issue",
        ),
    ),
    (
        "00500001",
        "general",
        True,
        (
            "Дара кәсіпкерді мемлекеттік тіркеу",
            "Государственная регистрация индивидуального предпринимателя",
            "Individual-entrepreneur registration",
        ),
    ),
    (
        "00500002",
        "general",
        True,
        (
            "Жылжымайтын мүлікке құқықтарды мемлекеттік тіркеу",
            "Государственная регистрация прав на недвижимое имущество",
            "Real-estate rights registration",
        ),
    ),
    (
        "00500003",
        "general",
        False,
        (
            "Жер учаскесіне сәйкестендіру құжатын беру",
            "Выдача идентификационного документа на земельный участок",
            "Land-plot identification document",
        ),
    ),
    (
        "00500004",
        "general",
        False,
        (
            "Мектепке дейінгі ұйымдарға жолдама алу үшін кезекке қою",
            "Постановка на очередь в дошкольные организации",
            "Kindergarten waiting-list registration",
        ),
    ),
    (
        "00600001",
        "issue",
        False,
        ("Дайын құжаттарды беру", "Выдача готовых документов", "Issue of ready documents"),
    ),
    (
        "00600002",
        "fast",
        False,
        (
            "Мемлекеттік қызметтер бойынша кеңес беру",
            "Консультация по государственным услугам",
            "Consultation on public services",
        ),
    ),
    (
        "00600003",
        "self",
        False,
        (
            "Өзіне-өзі қызмет көрсету аймағында көмек",
            "Помощь в зоне самообслуживания",
            "Help in the self-service zone",
        ),
    ),
]

ZONES: Final[list[tuple[str, tuple[str, str, str]]]] = [
    ("reception", ("Қабылдау", "Приём", "Reception")),
    ("issue", ("Дайын құжаттарды беру", "Выдача готовых документов", "Issue of results")),
    ("fast", ("Жедел қызметтер", "Быстрые услуги", "Fast services")),
    ("self_service", ("Өзіне-өзі қызмет көрсету", "Самообслуживание", "Self-service")),
    ("passport_id", ("Паспорт және жеке куәлік", "Паспорт и удостоверение личности", "Passport and ID")),
    ("result", ("Нәтиже", "Результат", "Result")),
    ("comfort", ("Жайлылық", "Комфорт", "Comfort")),
]

# queue group -> prefix, zone, names
QUEUES: Final[dict[str, tuple[str, str, tuple[str, str, str]]]] = {
    "general": ("A", "reception", ("Жалпы қызметтер", "Общие услуги", "General services")),
    "social": ("B", "result", ("Әлеуметтік төлемдер", "Социальные выплаты", "Social benefits")),
    "fast": ("C", "fast", ("Жедел қызметтер", "Быстрые услуги", "Fast services")),
    "passport": ("D", "passport_id", ("Құжаттандыру", "Документирование", "Passports and IDs")),
    "issue": ("E", "issue", ("Құжаттарды беру", "Выдача документов", "Issue of documents")),
    "self": ("S", "self_service", ("Өзіне-өзі қызмет көрсету", "Самообслуживание", "Self-service")),
    "vehicle": ("V", "reception", ("Көлік құралдары", "Транспортные средства", "Vehicles")),
    "priority": ("P", "comfort", ("Кезектен тыс", "Вне очереди", "Priority")),
}

PRIORITIES: Final[list[tuple[str, int, bool, tuple[str, str, str], tuple[str, str, str]]]] = [
    (
        "disability",
        3,
        True,
        ("Мүгедектігі бар адам", "Лицо с инвалидностью", "Person with a disability"),
        (
            "Мүгедектігі бар адамдарға мемлекеттік қызметтер кезектен тыс көрсетіледі: ҚР Әлеуметтік кодексі, "
            "халыққа қызмет көрсету орталықтарының қызмет қағидалары.",
            "Лица с инвалидностью обслуживаются вне очереди: Социальный кодекс Республики Казахстан, правила "
            "деятельности центров обслуживания населения.",
            "Persons with disabilities are served out of turn: the Social Code of the Republic of Kazakhstan and "
            "the rules of Public Service Centres.",
        ),
    ),
    (
        "veteran",
        3,
        False,
        (
            "Ұлы Отан соғысының ардагері",
            "Ветеран Великой Отечественной войны",
            "Veteran of the Great Patriotic War",
        ),
        (
            "Ардагерлерге қызмет кезектен тыс көрсетіледі: «Ардагерлер туралы» ҚР Заңы.",
            "Ветераны обслуживаются вне очереди: Закон Республики Казахстан «О ветеранах».",
            'Veterans are served out of turn: the Law of the Republic of Kazakhstan "On veterans".',
        ),
    ),
    (
        "pregnancy",
        2,
        False,
        ("Жүкті әйел", "Беременная женщина", "Pregnant woman"),
        (
            "Жүкті әйелдерге қызмет кезектен тыс көрсетіледі: халыққа қызмет көрсету орталықтарының қызмет қағидалары.",
            "Беременные женщины обслуживаются вне очереди: правила деятельности центров обслуживания населения.",
            "Pregnant women are served out of turn: the rules of Public Service Centres.",
        ),
    ),
    (
        "child_under_one",
        2,
        False,
        (
            "Бір жасқа дейінгі баласы бар ата-ана",
            "Родитель с ребёнком до одного года",
            "Parent with a baby under one",
        ),
        (
            "Бір жасқа дейінгі баласы бар адамдарға қызмет кезектен тыс көрсетіледі: ХҚКО қызмет қағидалары.",
            "Граждане с детьми до одного года обслуживаются вне очереди: правила деятельности ЦОН.",
            "Citizens with a child under one are served out of turn: the rules of Public Service Centres.",
        ),
    ),
    (
        "elderly",
        1,
        False,
        ("Егде жастағы адам", "Пожилой человек", "Elderly person"),
        (
            "Егде жастағы адамдарға басымдық беріледі: ҚР Әлеуметтік кодексі, ХҚКО қызмет қағидалары.",
            "Пожилым гражданам предоставляется приоритет: Социальный кодекс Республики Казахстан, правила "
            "деятельности ЦОН.",
            "Elderly citizens are given priority: the Social Code of the Republic of Kazakhstan and the rules of "
            "Public Service Centres.",
        ),
    ),
]

OUTCOMES: Final[list[tuple[str, tuple[str, str, str]]]] = [
    ("accepted", ("Өтініш қабылданды", "Заявление принято", "Application accepted")),
    ("issued", ("Нәтиже берілді", "Результат выдан", "Result issued")),
    ("consulted", ("Кеңес берілді", "Консультация оказана", "Consultation given")),
    ("documents_missing", ("Құжаттар толық емес", "Неполный пакет документов", "Documents missing")),
    ("refused", ("Бас тартылды", "Отказано", "Refused")),
    ("redirected", ("Басқа органға жіберілді", "Перенаправлен в другой орган", "Redirected to another body")),
]

# The life situation of each service (catalog.situations), for the kiosk's second grouping.
LIFE_SITUATION_OF: Final[dict[str, str]] = {
    "00100001": "work",
    "00100002": "family",
    "00100003": "family",
    "00100004": "family",
    "00100005": "pension",
    "00100006": "work",
    "00100007": "family",
    "00100008": "home",
    "00200001": "documents",
    "00200002": "family",
    "00200003": "family",
    "00200004": "education",
    "00200005": "documents",
    "00200006": "home",
    "00200007": "pension",
    "00200008": "home",
    "00200009": "home",
    "00200010": "home",
    "00200011": "documents",
    "00300001": "documents",
    "00300002": "documents",
    "00400001": "vehicle",
    "00400002": "vehicle",
    "00400003": "vehicle",
    "00400004": "vehicle",
    "00400005": "vehicle",
    "00500001": "business",
    "00500002": "home",
    "00500003": "home",
    "00500004": "education",
}


# --- the authorised bodies and the service standards -----------------------------------------------------
#
# Sourced values come from /work/shared/data/kz/services.csv and services.md (egov.kz / gov.kz service
# passports, the Tax Code 2026, the civil-registry fees fixed in tenge from 10.03.2026); each is marked
# "sourced". Where no current source was found (most terms, documents and forms, and every grounds for
# refusal), the values are plausible ones written for the demo and marked "plausible": check them against
# the current "Перечень основных требований" on adilet.zan.kz before showing them to citizens.

AUTHORITIES: Final[list[tuple[str, tuple[str, str, str]]]] = [
    (
        "MTSZN",
        (
            "Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігі",
            "Министерство труда и социальной защиты населения Республики Казахстан",
            "Ministry of Labour and Social Protection of the Population",
        ),
    ),
    (
        "ENPF",
        (
            "Бірыңғай жинақтаушы зейнетақы қоры",
            "Единый накопительный пенсионный фонд",
            "Unified Accumulative Pension Fund",
        ),
    ),
    (
        "RAGS",
        (
            "Жергілікті атқарушы органдардың азаматтық хал актілерін тіркеу органдары",
            "Органы регистрации актов гражданского состояния местных исполнительных органов",
            "Civil registry offices of the local executive bodies",
        ),
    ),
    (
        "EDU",
        (
            "Негізгі орта, жалпы орта білім беру ұйымдары",
            "Организации основного среднего и общего среднего образования",
            "Secondary education organisations (schools)",
        ),
    ),
    (
        "KPSSU",
        (
            "Бас прокуратураның Құқықтық статистика және арнайы есепке алу жөніндегі комитеті",
            "Комитет по правовой статистике и специальным учетам Генеральной прокуратуры",
            "Committee on Legal Statistics and Special Accounts of the Prosecutor General's Office",
        ),
    ),
    (
        "MJ",
        (
            "Қазақстан Республикасы Әділет министрлігі (тіркеуші орган)",
            "Министерство юстиции Республики Казахстан (регистрирующий орган)",
            "Ministry of Justice (registering body)",
        ),
    ),
    (
        "MVD",
        (
            "Қазақстан Республикасы Ішкі істер министрлігі",
            "Министерство внутренних дел Республики Казахстан",
            "Ministry of Internal Affairs",
        ),
    ),
    (
        "NUC",
        (
            "Қазақстан Республикасының Ұлттық куәландырушы орталығы",
            "Национальный удостоверяющий центр Республики Казахстан",
            "National Certification Authority",
        ),
    ),
    (
        "KGD",
        (
            "Қаржы министрлігінің Мемлекеттік кірістер комитеті",
            "Комитет государственных доходов Министерства финансов",
            "State Revenue Committee of the Ministry of Finance",
        ),
    ),
    (
        "MIO",
        (
            "Облыстардың, қалалардың және аудандардың жергілікті атқарушы органдары",
            "Местные исполнительные органы областей, городов и районов",
            "Local executive bodies of regions, cities and districts",
        ),
    ),
]


def _t(kk: str, ru: str, en: str) -> dict[str, str]:
    return {"kk": kk, "ru": ru, "en": en}


def _doc(code: str, kk: str, ru: str, en: str, registry: str | None = None) -> dict[str, Any]:
    return {"code": code, "name": _t(kk, ru, en), "registry": registry}


def _field(en: str, kk: str, ru: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": en, "x-title": _t(kk, ru, en), **extra}


def _choice(en: str, kk: str, ru: str, options: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    titles = {value: _t(*names) for value, names in options.items()}
    return _field(en, kk, ru, enum=list(options)) | {"x-enum-titles": titles}


def _form(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


# The centre's hours, and the working time of the bodies (plausible: the usual ЦОН schedule).
HOURS: Final = _t(
    "ХҚКО: дүйсенбі–жұма 9:00–20:00, сенбі 9:00–13:00; қызмет берушi: дүйсенбі–жұма 9:00–18:30",
    "ЦОН: понедельник–пятница 9:00–20:00, суббота 9:00–13:00; услугодатель: понедельник–пятница 9:00–18:30",
    "Centre: Monday–Friday 9:00–20:00, Saturday 9:00–13:00; the body: Monday–Friday 9:00–18:30",
)
HOURS_24: Final = _t(
    "Портал тәулік бойы; ХҚКО: дүйсенбі–жұма 9:00–20:00, сенбі 9:00–13:00",
    "Портал круглосуточно; ЦОН: понедельник–пятница 9:00–20:00, суббота 9:00–13:00",
    "Portal around the clock; centre: Monday–Friday 9:00–20:00, Saturday 9:00–13:00",
)
FREE: Final = _t("Тегін", "Бесплатно", "Free of charge")
DUTY: Final = _t(
    "Мемлекеттік баж төлем күніндегі АЕК бойынша екінші деңгейлі банктер арқылы немесе egov.kz төлем шлюзі арқылы төленеді",
    "Государственная пошлина по МРП на дату оплаты, через банки второго уровня или платёжный шлюз egov.kz",
    "State duty at the MRP in force on the day of payment, through a bank or the egov.kz payment gateway",
)
FIXED_FEE: Final = _t(
    "Тіркелген сома теңгемен (2026 жылғы 10 наурыздан бастап), банк немесе egov.kz төлем шлюзі арқылы",
    "Фиксированная сумма в тенге (с 10 марта 2026 года), через банк или платёжный шлюз egov.kz",
    "A fixed amount in tenge (since 10 March 2026), through a bank or the egov.kz payment gateway",
)

# Documents and fields used by many services.
IDENTITY = _doc(
    "identity", "Жеке басын куәландыратын құжат", "Документ, удостоверяющий личность", "Identity document"
)
BIRTH_CERT = _doc(
    "birth_certificate",
    "Баланың туу туралы куәлігі",
    "Свидетельство о рождении ребёнка",
    "Child's birth certificate",
    "civil",
)
ADDRESS = _doc(
    "address",
    "Тұрғылықты жері туралы мәліметтер",
    "Сведения о месте жительства",
    "Residence address",
    "population",
)
BANK_ACCOUNT = _doc(
    "bank_account",
    "Банктік шот деректемелері (IBAN)",
    "Реквизиты банковского счёта (IBAN)",
    "Bank account details (IBAN)",
)
APPLICATION = _doc("application", "Өтініш", "Заявление", "Application")
POWER_OF_ATTORNEY = _doc(
    "power_of_attorney",
    "Өкілдің нотариаттық куәландырылған сенімхаты (өкіл өтініш берсе)",
    "Нотариально удостоверенная доверенность (если обращается представитель)",
    "Notarised power of attorney (when a representative applies)",
)
VEHICLE = _doc(
    "vehicle_record",
    "Көлік құралы туралы мәліметтер",
    "Сведения о транспортном средстве",
    "Vehicle record",
    "vehicle",
)
PROPERTY = _doc(
    "property_record",
    "Жылжымайтын мүлік туралы мәліметтер",
    "Сведения о недвижимом имуществе",
    "Real-estate record",
    "real_estate",
)

INCOMPLETE = _t(
    "Құжаттар топтамасы толық емес немесе құжаттардың қолданылу мерзімі өткен",
    "Неполный пакет документов или истёкший срок действия документов",
    "The documents are incomplete or have expired",
)
FALSE_DATA = _t(
    "Ұсынылған құжаттардағы деректердің дұрыс еместігі анықталды",
    "Установлена недостоверность данных в представленных документах",
    "The documents submitted contain false data",
)
NOT_ELIGIBLE = _t(
    "Өтініш беруші заңнамада белгіленген талаптарға сәйкес келмейді",
    "Заявитель не соответствует требованиям, установленным законодательством",
    "The applicant does not meet the conditions set by law",
)
ENCUMBRANCE = _t(
    "Мүлікке тыйым салынған немесе ауыртпалық бар",
    "На имущество наложен арест или обременение",
    "The property is under arrest or encumbered",
)

PHONE = _field(
    "Mobile phone",
    "Ұялы телефон",
    "Мобильный телефон",
    pattern=r"^\+7 ?7[0-9]{2} ?[0-9]{3} ?[0-9]{2} ?[0-9]{2}$",
    maxLength=16,
)
IBAN = _field("IBAN account", "IBAN шоты", "Счёт IBAN", pattern=r"^KZ[0-9]{2}[0-9A-Z]{16}$", maxLength=20)
CHILD_IIN = _field("Child's IIN", "Баланың ЖСН", "ИИН ребёнка", pattern=r"^[0-9]{12}$", maxLength=12)
CHILD_BIRTH = _field("Child's date of birth", "Баланың туған күні", "Дата рождения ребёнка", format="date")
CONSENT = _field(
    "I consent to the use of my data in information systems",
    "Ақпараттық жүйелердегі деректерімді пайдалануға келісемін",
    "Согласен на использование моих данных в информационных системах",
    "boolean",
)
PURPOSE = _field("Purpose", "Мақсаты", "Цель", maxLength=200)
CADASTRE = _field(
    "Cadastral number",
    "Кадастрлық нөмір",
    "Кадастровый номер",
    pattern=r"^[0-9]{2}:[0-9]{3}:[0-9]{3}:[0-9]{1,6}$",
)
VIN = _field("VIN", "VIN", "VIN", pattern=r"^[A-HJ-NPR-Z0-9]{17}$", maxLength=17)
PLATE = _field(
    "Registration plate",
    "Мемлекеттік нөмір",
    "Государственный номер",
    pattern=r"^[0-9]{3} ?[A-Z]{3} ?[0-9]{2}$",
)
DELIVERY = _choice(
    "How to receive the result",
    "Нәтижені алу тәсілі",
    "Способ получения результата",
    {
        "centre": ("ХҚКО-да", "В ЦОН", "At a centre"),
        "electronic": ("Электрондық түрде", "В электронном виде", "Electronically"),
    },
)


def _benefit(
    result: tuple[str, str, str], documents: list[dict[str, Any]], form: dict[str, Any], **fields: Any
) -> StandardDraft:
    standard: dict[str, Any] = {
        "authority_code": "MTSZN",
        "channels": ["centre", "portal", "app"],
        "term_amount": 8,
        "term_unit": "working_days",
        "form": "electronic",
        "result": _t(*result),
        "fee_payment": FREE,
        "documents": [APPLICATION, IDENTITY, *documents],
        "refusal_grounds": [INCOMPLETE, FALSE_DATA, NOT_ELIGIBLE],
        "hours": HOURS,
        "form_schema": form,
    }
    return StandardDraft(**(standard | fields))


NOTICE = (
    "Әлеуметтік төлемді тағайындау (тағайындаудан бас тарту) туралы хабарлама",
    "Уведомление о назначении (об отказе в назначении) выплаты",
    "Notice of the assignment (or refusal) of the payment",
)
STANDARDS: Final[dict[str, StandardDraft]] = {
    # Unemployment: term (8 working days), channels, documents sourced (egov pass155, MTSZN 2026).
    "00100001": _benefit(
        NOTICE,
        [
            _doc(
                "unemployed_status",
                "Жұмыссыз ретінде тіркелгені туралы мәліметтер",
                "Сведения о регистрации в качестве безработного",
                "Registration as unemployed",
                "population",
            ),
            BANK_ACCOUNT,
        ],
        _form(
            ["last_employer", "dismissed_on", "iban"],
            last_employer=_field(
                "Last employer", "Соңғы жұмыс беруші", "Последний работодатель", maxLength=200
            ),
            dismissed_on=_field(
                "Date of dismissal", "Жұмыстан шыққан күні", "Дата увольнения", format="date"
            ),
            iban=IBAN,
            phone=PHONE,
        ),
        channels=["centre", "portal", "app", "bank"],
    ),
    # Pregnancy and maternity: term and documents sourced (egov pass198 / pass155); extraterritorial as the
    # issue's child benefits.
    "00100002": _benefit(
        NOTICE,
        [
            _doc(
                "sick_leave",
                "Жүктілік және босану бойынша еңбекке уақытша жарамсыздық парағы",
                "Листок временной нетрудоспособности по беременности и родам",
                "Sick-leave certificate for pregnancy and childbirth",
            ),
            BANK_ACCOUNT,
        ],
        _form(
            ["leave_from", "leave_days", "iban"],
            leave_from=_field(
                "Leave starts on", "Демалыстың басталған күні", "Начало отпуска", format="date"
            ),
            leave_days=_field(
                "Days of leave",
                "Демалыс күндерінің саны",
                "Количество дней отпуска",
                "integer",
                minimum=1,
                maximum=200,
            ),
            iban=IBAN,
            phone=PHONE,
        ),
        extraterritorial=True,
    ),
    # Childbirth: 7 working days, free (egov "Child birth" composite); documents plausible.
    "00100003": _benefit(
        (
            "Бала тууына байланысты жәрдемақы тағайындау (тағайындаудан бас тарту) туралы хабарлама",
            "Уведомление о назначении (об отказе в назначении) пособия на рождение",
            "Notice of the assignment (or refusal) of the childbirth benefit",
        ),
        [BIRTH_CERT, BANK_ACCOUNT],
        _form(
            ["child_iin", "child_birth_date", "child_order", "iban"],
            child_iin=CHILD_IIN,
            child_birth_date=CHILD_BIRTH,
            child_order=_field(
                "Which child in the family",
                "Отбасындағы нешінші бала",
                "Какой по счёту ребёнок",
                "integer",
                minimum=1,
            ),
            iban=IBAN,
        ),
        term_amount=7,
        extraterritorial=True,
    ),
    # Child care to age one: 8 working days, documents sourced (egov pass156).
    "00100004": _benefit(
        NOTICE,
        [BIRTH_CERT, BANK_ACCOUNT],
        _form(
            ["child_iin", "child_birth_date", "iban"],
            child_iin=CHILD_IIN,
            child_birth_date=CHILD_BIRTH,
            iban=IBAN,
            guardian=_field(
                "I am the child's guardian", "Мен баланың қорғаншысымын", "Я опекун ребёнка", "boolean"
            ),
        ),
        extraterritorial=True,
    ),
    # Age pension: documents sourced (gov.kz/services/3023); term plausible.
    "00100005": _benefit(
        (
            "Зейнетақы төлемдерін тағайындау туралы хабарлама",
            "Уведомление о назначении пенсионных выплат",
            "Notice of the assignment of pension payments",
        ),
        [
            _doc(
                "pension_contributions",
                "Табыс және міндетті зейнетақы жарналары туралы анықтама",
                "Справка о доходах и обязательных пенсионных взносах",
                "Certificate of income and mandatory pension contributions",
            ),
            _doc(
                "work_record",
                "Еңбек өтілін растайтын құжаттар",
                "Документы о трудовом стаже",
                "Work-record documents",
            ),
            BANK_ACCOUNT,
        ],
        _form(
            ["iban", "delivery"],
            iban=IBAN,
            name_changed=_field(
                "My surname has changed", "Тегім өзгерген", "Моя фамилия менялась", "boolean"
            ),
            delivery=DELIVERY,
        ),
        term_amount=10,
    ),
    # Disability benefit: plausible.
    "00100006": _benefit(
        NOTICE,
        [
            _doc(
                "disability_record",
                "Мүгедектікті белгілеу туралы медициналық-әлеуметтік сараптама мәліметтері",
                "Сведения медико-социальной экспертизы об установлении инвалидности",
                "Medical-social assessment of disability",
                "population",
            ),
            BANK_ACCOUNT,
        ],
        _form(
            ["disability_group", "iban"],
            disability_group=_choice(
                "Disability group",
                "Мүгедектік тобы",
                "Группа инвалидности",
                {
                    "1": ("1-топ", "1 группа", "Group 1"),
                    "2": ("2-топ", "2 группа", "Group 2"),
                    "3": ("3-топ", "3 группа", "Group 3"),
                },
            ),
            iban=IBAN,
        ),
    ),
    # Large families: code-like service (egov mtczn_00402014): 7 working days, free, sourced.
    "00100007": _benefit(
        NOTICE,
        [BIRTH_CERT, BANK_ACCOUNT],
        _form(
            ["children", "iban"],
            children=_field(
                "Number of children under 18",
                "18 жасқа дейінгі балалар саны",
                "Количество детей до 18 лет",
                "integer",
                minimum=4,
                maximum=30,
            ),
            iban=IBAN,
        ),
        term_amount=7,
        extraterritorial=True,
    ),
    # Housing assistance: plausible.
    "00100008": StandardDraft(
        authority_code="MIO",
        channels=["centre", "portal"],
        term_amount=8,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Тұрғын үй көмегін тағайындау туралы хабарлама",
            "Уведомление о назначении жилищной помощи",
            "Notice of the assignment of housing assistance",
        ),
        fee_payment=FREE,
        documents=[
            APPLICATION,
            IDENTITY,
            PROPERTY,
            _doc(
                "family_income",
                "Отбасының соңғы тоқсандағы табысы туралы мәліметтер",
                "Сведения о доходах семьи за последний квартал",
                "Family income for the last quarter",
            ),
            _doc(
                "utility_bills",
                "Коммуналдық қызметтер шоттары",
                "Счета за коммунальные услуги",
                "Utility bills",
            ),
        ],
        refusal_grounds=[INCOMPLETE, FALSE_DATA, NOT_ELIGIBLE],
        hours=HOURS,
        form_schema=_form(
            ["household", "monthly_income"],
            household=_field(
                "Members of the household",
                "Отбасы мүшелерінің саны",
                "Членов семьи",
                "integer",
                minimum=1,
                maximum=30,
            ),
            monthly_income=_field(
                "Family income per month, KZT",
                "Отбасының айлық табысы, теңге",
                "Доход семьи в месяц, тенге",
                "number",
                minimum=0,
            ),
            area_m2=_field(
                "Living area, m²", "Тұрғын үй ауданы, м²", "Площадь жилья, м²", "number", minimum=1
            ),
        ),
    ),
    # Civil-registry certificate copies: documents sourced (gov.kz/services/3203). Fee: fixed tenge since
    # 10.03.2026 (sourced), the amount for repeat certificates was not found: 1,725 KZT (the fixed amount
    # for changes to records under the same order) is plausible. Term plausible.
    "00200001": StandardDraft(
        authority_code="RAGS",
        channels=["centre", "portal"],
        term_amount=3,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Қайталама куәлік (туу, неке, ажырасу, атын өзгерту, қайтыс болу) немесе анықтама",
            "Повторное свидетельство (о рождении, браке, расторжении брака, перемене имени, смерти) или справка",
            "A repeat certificate (birth, marriage, divorce, change of name, death) or a certificate",
        ),
        fee_kind="kzt",
        fee_kzt=1725,
        fee_payment=FIXED_FEE,
        documents=[APPLICATION, IDENTITY, POWER_OF_ATTORNEY],
        refusal_grounds=[
            INCOMPLETE,
            _t(
                "Азаматтық хал актісінің жазбасы жоқ",
                "Отсутствует запись акта гражданского состояния",
                "There is no civil-status record",
            ),
        ],
        hours=HOURS,
        form_schema=_form(
            ["record_kind", "record_year"],
            record_kind=_choice(
                "Certificate of",
                "Куәлік түрі",
                "Вид свидетельства",
                {
                    "birth": ("Туу", "О рождении", "Birth"),
                    "marriage": ("Неке", "О браке", "Marriage"),
                    "divorce": ("Ажырасу", "О расторжении брака", "Divorce"),
                    "name_change": ("Атын өзгерту", "О перемене имени", "Change of name"),
                    "death": ("Қайтыс болу", "О смерти", "Death"),
                },
            ),
            record_year=_field(
                "Year of the record", "Жазба жылы", "Год записи", "integer", minimum=1900, maximum=2100
            ),
            registry_office=_field("Registry office", "АХАТ органы", "Орган РАГС", maxLength=200),
        ),
    ),
    # Birth registration: 2 working days and free (sourced, egov composite; MAIDD order of 17.02.2026).
    "00200002": StandardDraft(
        authority_code="RAGS",
        channels=["centre", "portal", "app"],
        term_amount=2,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Баланың туу туралы куәлігі немесе бас тарту",
            "Свидетельство о рождении ребёнка или мотивированный отказ",
            "A birth certificate or a reasoned refusal",
        ),
        fee_payment=FREE,
        documents=[
            APPLICATION,
            IDENTITY,
            _doc(
                "medical_birth_record",
                "Медициналық туу туралы куәлік",
                "Медицинское свидетельство о рождении",
                "Medical birth record",
                "civil",
            ),
            _doc(
                "marriage_certificate",
                "Неке туралы куәлік",
                "Свидетельство о браке",
                "Marriage certificate",
                "civil",
            ),
        ],
        refusal_grounds=[INCOMPLETE, FALSE_DATA],
        hours=HOURS,
        form_schema=_form(
            ["child_name", "child_birth_date", "sex"],
            child_name=_field("Child's first name", "Баланың аты", "Имя ребёнка", maxLength=100),
            child_birth_date=CHILD_BIRTH,
            sex=_choice(
                "Sex",
                "Жынысы",
                "Пол",
                {"female": ("Қыз", "Женский", "Female"), "male": ("Ұл", "Мужской", "Male")},
            ),
        ),
    ),
    # Marriage: 3,450 KZT fixed from 10.03.2026 (sourced, with a disagreement: see services.md); term
    # plausible (a month after the application).
    "00200003": StandardDraft(
        authority_code="RAGS",
        channels=["centre", "portal"],
        term_amount=30,
        term_unit="calendar_days",
        form="paper",
        result=_t("Неке туралы куәлік", "Свидетельство о заключении брака", "A marriage certificate"),
        fee_kind="kzt",
        fee_kzt=3450,
        fee_payment=FIXED_FEE,
        documents=[APPLICATION, IDENTITY],
        refusal_grounds=[
            NOT_ELIGIBLE,
            _t(
                "Тараптардың бірі басқа некеде тұр",
                "Одна из сторон состоит в другом браке",
                "One of the parties is already married",
            ),
        ],
        hours=HOURS,
        form_schema=_form(
            ["partner_iin", "wedding_date"],
            partner_iin=_field(
                "Partner's IIN", "Жұбайының ЖСН", "ИИН супруга(и)", pattern=r"^[0-9]{12}$", maxLength=12
            ),
            wedding_date=_field("Wished date", "Қалаған күні", "Желаемая дата", format="date"),
            surname_after=_field(
                "Surname after the marriage", "Некеден кейінгі тегі", "Фамилия после брака", maxLength=100
            ),
        ),
    ),
    # Education duplicates: 15 working days (2016 standard, historical).
    "00200004": StandardDraft(
        authority_code="EDU",
        channels=["centre", "portal"],
        term_amount=15,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Білім туралы құжаттың телнұсқасы",
            "Дубликат документа об образовании",
            "A duplicate of the education document",
        ),
        fee_payment=FREE,
        documents=[APPLICATION, IDENTITY],
        refusal_grounds=[
            _t(
                "Мектеп мұрағатында білім туралы мәліметтер жоқ",
                "В архиве школы нет сведений об образовании",
                "The school's archive has no record of the education",
            )
        ],
        hours=HOURS,
        form_schema=_form(
            ["school", "graduation_year", "document_kind"],
            school=_field("School", "Мектеп", "Школа", maxLength=200),
            graduation_year=_field(
                "Year of graduation", "Бітірген жылы", "Год окончания", "integer", minimum=1940, maximum=2100
            ),
            document_kind=_choice(
                "Document",
                "Құжат",
                "Документ",
                {
                    "basic": (
                        "Негізгі орта білім туралы куәлік",
                        "Свидетельство об основном среднем образовании",
                        "Basic secondary certificate",
                    ),
                    "general": (
                        "Жалпы орта білім туралы аттестат",
                        "Аттестат об общем среднем образовании",
                        "General secondary certificate",
                    ),
                },
            ),
        ),
    ),
    # No criminal record: 5 working days with an additional check, free (sourced, egov e_004).
    "00200005": StandardDraft(
        authority_code="KPSSU",
        channels=["centre", "portal", "app"],
        term_amount=5,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Сотталғандығының бар не жоқ екендігі туралы анықтама",
            "Справка о наличии либо отсутствии судимости",
            "Certificate of presence or absence of a criminal record",
        ),
        fee_payment=_t(
            "Тегін; апостильмен құжатқа 0,5 АЕК мемлекеттік баж",
            "Бесплатно; с апостилем государственная пошлина 0,5 МРП за документ",
            "Free; with an apostille, a state duty of 0.5 MRP per document",
        ),
        documents=[IDENTITY, POWER_OF_ATTORNEY],
        refusal_grounds=[FALSE_DATA],
        hours=HOURS_24,
        extraterritorial=True,
        form_schema=_form(
            ["purpose"],
            purpose=_choice(
                "Purpose",
                "Мақсаты",
                "Цель",
                {
                    "work": ("Жұмысқа орналасу", "Трудоустройство", "Employment"),
                    "abroad": ("Шетелге шығу", "Выезд за границу", "Travel abroad"),
                    "other": ("Басқа", "Другое", "Other"),
                },
            ),
            apostille=_field("With an apostille", "Апостильмен", "С апостилем", "boolean"),
        ),
    ),
    # Real-estate rights certificate: name sourced; everything else plausible.
    "00200006": StandardDraft(
        authority_code="MJ",
        channels=["centre", "portal"],
        term_amount=1,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Жылжымайтын мүлікке тіркелген құқықтар (ауыртпалықтар) және оның техникалық сипаттамалары туралы анықтама",
            "Справка о зарегистрированных правах (обременениях) на недвижимое имущество и его технических характеристиках",
            "Certificate of registered rights (encumbrances) to real estate and its technical characteristics",
        ),
        fee_payment=FREE,
        documents=[IDENTITY, PROPERTY],
        refusal_grounds=[
            _t(
                "Мүлікке құқық тіркелмеген",
                "Право на имущество не зарегистрировано",
                "No right to the property is registered",
            )
        ],
        hours=HOURS_24,
        form_schema=_form(
            ["cadastral_number"],
            cadastral_number=CADASTRE,
            address=PURPOSE | {"title": "Address", "x-title": _t("Мекенжайы", "Адрес", "Address")},
        ),
    ),
    # Pension contributions certificate (ENPF): name sourced; the rest plausible.
    "00200007": StandardDraft(
        authority_code="ENPF",
        channels=["centre", "portal", "app"],
        term_amount=1,
        term_unit="working_hours",
        form="electronic",
        result=_t(
            "Зейнетақы жарналарының түсуі және қозғалысы туралы үзінді көшірме",
            "Выписка о поступлении и движении пенсионных взносов",
            "Statement of pension contributions received and moved",
        ),
        fee_payment=FREE,
        documents=[IDENTITY],
        refusal_grounds=[
            _t(
                "Салымшының жеке зейнетақы шоты жоқ",
                "У вкладчика нет индивидуального пенсионного счёта",
                "The applicant has no individual pension account",
            )
        ],
        hours=HOURS_24,
        extraterritorial=True,
        form_schema=_form(
            ["period_from", "period_to"],
            period_from=_field("From", "Басы", "С", format="date"),
            period_to=_field("To", "Соңы", "По", format="date"),
        ),
    ),
    # Address certificate: plausible.
    "00200008": StandardDraft(
        authority_code="MVD",
        channels=["centre", "portal", "app"],
        term_amount=1,
        term_unit="working_hours",
        form="electronic",
        result=_t(
            "Тұрғылықты жері туралы мекенжай анықтамасы",
            "Адресная справка о месте жительства",
            "An address certificate",
        ),
        fee_payment=FREE,
        documents=[IDENTITY, ADDRESS],
        refusal_grounds=[NOT_ELIGIBLE],
        hours=HOURS_24,
        extraterritorial=True,
        form_schema=_form(["purpose"], purpose=PURPOSE),
    ),
    # Residence registration: documents sourced (MVD Order No. 267, gov.kz/services/3888); term plausible.
    "00200009": StandardDraft(
        authority_code="MVD",
        channels=["centre", "portal"],
        term_amount=1,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Тұрғылықты жері бойынша тіркеу",
            "Регистрация по месту жительства",
            "Registration at the residence address",
        ),
        fee_payment=FREE,
        documents=[
            IDENTITY,
            _doc(
                "owner_consent",
                "Тұрғын үй иесінің келісімі (иесі қатысады)",
                "Согласие собственника жилья (собственник присутствует)",
                "Consent of the dwelling's owner (the owner is present)",
            ),
            PROPERTY,
        ],
        refusal_grounds=[INCOMPLETE, FALSE_DATA],
        hours=HOURS,
        form_schema=_form(
            ["address", "owner_iin"],
            address=_field("New address", "Жаңа мекенжай", "Новый адрес", maxLength=300),
            owner_iin=_field(
                "Owner's IIN", "Иесінің ЖСН", "ИИН собственника", pattern=r"^[0-9]{12}$", maxLength=12
            ),
        ),
    ),
    # Deregistration from a residence address: channels and documents sourced (MVD Order No. 267).
    "00200010": StandardDraft(
        authority_code="MVD",
        channels=["centre", "portal"],
        term_amount=1,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Тұрғылықты жері бойынша тіркеуден шығару (жеке кабинетте көрсетіледі)",
            "Снятие с регистрации по месту жительства (отражается в личном кабинете)",
            "Deregistration from the residence address (shown in the personal account)",
        ),
        fee_payment=FREE,
        documents=[APPLICATION, IDENTITY, PROPERTY],
        refusal_grounds=[
            _t(
                "Өтініш беруші тұрғын үйдің иесі емес",
                "Заявитель не является собственником жилья",
                "The applicant does not own the dwelling",
            )
        ],
        hours=HOURS,
        form_schema=_form(
            ["person_iin"],
            person_iin=_field(
                "IIN of the person to deregister",
                "Тіркеуден шығарылатын адамның ЖСН",
                "ИИН снимаемого с регистрации",
                pattern=r"^[0-9]{12}$",
                maxLength=12,
            ),
            reason=PURPOSE | {"title": "Reason", "x-title": _t("Себебі", "Причина", "Reason")},
        ),
    ),
    # EDS: issued online with biometrics since August 2025, the centre as a fallback (sourced); free.
    "00200011": StandardDraft(
        authority_code="NUC",
        channels=["portal", "app", "centre"],
        term_amount=1,
        term_unit="working_hours",
        form="electronic",
        result=_t("ЭЦҚ кілттері", "Ключи ЭЦП", "EDS keys"),
        fee_payment=FREE,
        documents=[
            IDENTITY,
            _doc(
                "mobile_phone",
                "Ұялы байланыс нөмірі (БМД-да тіркелген)",
                "Номер мобильного телефона (в базе мобильных граждан)",
                "Mobile number registered in the Mobile Citizens Database",
                "population",
            ),
        ],
        refusal_grounds=[
            _t(
                "Биометриялық сәйкестендіру сәтсіз аяқталды",
                "Биометрическая идентификация не пройдена",
                "Biometric identification failed",
            )
        ],
        hours=HOURS_24,
        extraterritorial=True,
        form_schema=_form(
            ["phone"],
            phone=PHONE,
            storage=_choice(
                "Key storage",
                "Кілт сақтау орны",
                "Хранилище ключа",
                {
                    "file": ("Файл", "Файл", "File"),
                    "id_card": ("Жеке куәлік", "Удостоверение личности", "ID card"),
                },
            ),
        ),
    ),
    # ID card: 15 working days and 0.2 MRP for a replacement (sourced; first ID and replacement on expiry
    # free); any centre for a lost card (sourced).
    "00300001": StandardDraft(
        authority_code="MVD",
        channels=["centre", "portal"],
        term_amount=15,
        term_unit="working_days",
        form="paper",
        result=_t("Жеке куәлік", "Удостоверение личности", "An identity card"),
        fee_kind="mrp",
        fee_mrp=Decimal("0.2"),
        fee_payment=DUTY,
        documents=[
            APPLICATION,
            _doc(
                "photo",
                "Фотосурет (орталықта түсіріледі)",
                "Фотография (делается в ЦОН)",
                "Photograph (taken at the centre)",
            ),
            _doc(
                "police_notice",
                "Ұрланғаны туралы полиция хабарламасы",
                "Талон полиции о краже",
                "Police notice of theft",
            ),
            ADDRESS,
        ],
        refusal_grounds=[INCOMPLETE, FALSE_DATA],
        hours=HOURS,
        extraterritorial=True,
        form_schema=_form(
            ["reason"],
            reason=_choice(
                "Reason",
                "Себебі",
                "Причина",
                {
                    "expiry": ("Мерзімі өтті", "Истечение срока", "Expiry"),
                    "lost": ("Жоғалды", "Утеря", "Lost"),
                    "stolen": ("Ұрланды", "Кража", "Stolen"),
                    "data_change": ("Деректердің өзгеруі", "Изменение данных", "Change of data"),
                },
            ),
            urgent=_field("Urgent issue", "Жедел беру", "Срочное оформление", "boolean"),
        ),
    ),
    # Passport: 8 MRP for 36 pages (sourced); term as the ID card (sourced for ID, plausible here).
    "00300002": StandardDraft(
        authority_code="MVD",
        channels=["centre"],
        term_amount=15,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Қазақстан Республикасы азаматының паспорты",
            "Паспорт гражданина Республики Казахстан",
            "A passport",
        ),
        fee_kind="mrp",
        fee_mrp=Decimal("8"),
        fee_payment=DUTY,
        documents=[APPLICATION, IDENTITY, ADDRESS],
        refusal_grounds=[INCOMPLETE, NOT_ELIGIBLE],
        hours=HOURS,
        form_schema=_form(
            ["pages"],
            pages=_choice(
                "Pages",
                "Беттер саны",
                "Количество страниц",
                {"36": ("36 бет", "36 страниц", "36 pages"), "48": ("48 бет", "48 страниц", "48 pages")},
            ),
            urgent=_field("Urgent issue", "Жедел беру", "Срочное оформление", "boolean"),
        ),
    ),
    # Vehicle registration: the registration fee of 0.25 MRP (766 KZT in 2022, the mission; 2020-2022
    # practice); term and documents plausible.
    "00400001": StandardDraft(
        authority_code="MVD",
        channels=["centre", "portal"],
        term_amount=1,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Көлік құралын тіркеу",
            "Регистрация транспортного средства",
            "The vehicle registered",
        ),
        fee_kind="mrp",
        fee_mrp=Decimal("0.25"),
        fee_payment=DUTY,
        documents=[
            APPLICATION,
            IDENTITY,
            _doc("sale_contract", "Сатып алу-сату шарты", "Договор купли-продажи", "Contract of sale"),
            _doc(
                "insurance",
                "Міндетті сақтандыру полисі",
                "Полис обязательного страхования",
                "Compulsory insurance policy",
            ),
            VEHICLE,
        ],
        refusal_grounds=[INCOMPLETE, ENCUMBRANCE],
        hours=HOURS,
        form_schema=_form(
            ["vin", "make_model", "year"],
            vin=VIN,
            make_model=_field("Make and model", "Маркасы мен үлгісі", "Марка и модель", maxLength=100),
            year=_field(
                "Year of manufacture", "Шығарылған жылы", "Год выпуска", "integer", minimum=1950, maximum=2100
            ),
        ),
    ),
    # Vehicle deregistration: no source at all; plausible.
    "00400002": StandardDraft(
        authority_code="MVD",
        channels=["centre"],
        term_amount=1,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Көлік құралын есептен шығару",
            "Снятие транспортного средства с учёта",
            "The vehicle removed from the register",
        ),
        fee_payment=FREE,
        documents=[APPLICATION, IDENTITY, VEHICLE],
        refusal_grounds=[ENCUMBRANCE],
        hours=HOURS,
        form_schema=_form(
            ["plate", "reason"],
            plate=PLATE,
            reason=_choice(
                "Reason",
                "Себебі",
                "Причина",
                {
                    "export": ("Шетелге әкету", "Вывоз за границу", "Export"),
                    "scrapped": ("Кәдеге жарату", "Утилизация", "Scrapped"),
                    "sold": ("Сату", "Продажа", "Sold"),
                },
            ),
        ),
    ),
    # Driving licence: 1.25 MRP (sourced, Tax Code 2026 art. 667); the rest plausible.
    "00400003": StandardDraft(
        authority_code="MVD",
        channels=["centre"],
        term_amount=1,
        term_unit="working_days",
        form="paper",
        result=_t("Жүргізуші куәлігі", "Водительское удостоверение", "A driving licence"),
        fee_kind="mrp",
        fee_mrp=Decimal("1.25"),
        fee_payment=DUTY,
        documents=[
            IDENTITY,
            _doc("medical_certificate", "Медициналық анықтама", "Медицинская справка", "Medical certificate"),
            _doc(
                "exam_result",
                "Емтихан тапсырғаны туралы мәліметтер",
                "Сведения о сдаче экзаменов",
                "Exam results",
            ),
        ],
        refusal_grounds=[INCOMPLETE, NOT_ELIGIBLE],
        hours=HOURS,
        form_schema=_form(
            ["categories"],
            categories=_field("Categories", "Санаттар", "Категории", pattern=r"^[A-E1 ,]+$", maxLength=30),
            replacement=_field(
                "Replacement of a licence", "Куәлікті ауыстыру", "Замена удостоверения", "boolean"
            ),
        ),
    ),
    # Registration certificate (technical passport): 1.25 MRP (sourced; 3,829 KZT in 2022, the mission).
    "00400004": StandardDraft(
        authority_code="MVD",
        channels=["centre"],
        term_amount=1,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Көлік құралын тіркеу куәлігі",
            "Свидетельство о регистрации транспортного средства",
            "A vehicle registration certificate",
        ),
        fee_kind="mrp",
        fee_mrp=Decimal("1.25"),
        fee_payment=DUTY,
        documents=[APPLICATION, IDENTITY, VEHICLE],
        refusal_grounds=[INCOMPLETE],
        hours=HOURS,
        form_schema=_form(
            ["vin"],
            vin=VIN,
            duplicate=_field(
                "Duplicate of a lost certificate",
                "Жоғалған куәліктің телнұсқасы",
                "Дубликат утерянного свидетельства",
                "boolean",
            ),
        ),
    ),
    # Number plates: 2.8 MRP for a car (sourced; 8,576 KZT in 2022, the mission).
    "00400005": StandardDraft(
        authority_code="MVD",
        channels=["centre"],
        term_amount=1,
        term_unit="working_days",
        form="paper",
        result=_t("Мемлекеттік нөмірлік белгілер", "Государственные номерные знаки", "State number plates"),
        fee_kind="mrp",
        fee_mrp=Decimal("2.8"),
        fee_payment=DUTY,
        documents=[APPLICATION, IDENTITY, VEHICLE],
        refusal_grounds=[INCOMPLETE],
        hours=HOURS,
        form_schema=_form(
            ["vin"],
            vin=VIN,
            chosen_plate=PLATE
            | {
                "title": "Chosen number (optional)",
                "x-title": _t(
                    "Таңдалған нөмір (міндетті емес)",
                    "Выбранный номер (необязательно)",
                    "Chosen number (optional)",
                ),
            },
        ),
    ),
    # Individual entrepreneur: provider sourced (state revenue bodies), "within one day" from a low-quality
    # source; no fee is listed by the Tax Code 2026 (plausibly free).
    "00500001": StandardDraft(
        authority_code="KGD",
        channels=["centre", "portal", "app", "bank"],
        term_amount=1,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Дара кәсіпкер ретінде тіркеу туралы хабарлама",
            "Уведомление о регистрации в качестве индивидуального предпринимателя",
            "Notice of registration as an individual entrepreneur",
        ),
        fee_payment=FREE,
        documents=[APPLICATION, IDENTITY, ADDRESS],
        refusal_grounds=[NOT_ELIGIBLE, FALSE_DATA],
        hours=HOURS_24,
        form_schema=_form(
            ["trade_name", "activity_code", "tax_regime"],
            trade_name=_field("Trade name", "Атауы", "Наименование", maxLength=200),
            activity_code=_field(
                "Activity code (OKED)",
                "Қызмет түрінің коды (ЭҚЖЖ)",
                "Код вида деятельности (ОКЭД)",
                pattern=r"^[0-9]{5}$",
            ),
            tax_regime=_choice(
                "Tax regime",
                "Салық режимі",
                "Налоговый режим",
                {
                    "simplified": (
                        "Оңайлатылған декларация",
                        "Упрощённая декларация",
                        "Simplified declaration",
                    ),
                    "general": ("Жалпыға бірдей режим", "Общеустановленный режим", "General regime"),
                },
            ),
        ),
    ),
    # Real-estate rights registration: name sourced; fee and term plausible.
    "00500002": StandardDraft(
        authority_code="MJ",
        channels=["centre", "portal"],
        term_amount=3,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Жылжымайтын мүлікке құқықтарды (ауыртпалықтарды) мемлекеттік тіркеу",
            "Государственная регистрация прав (обременений) на недвижимое имущество",
            "State registration of the rights (encumbrances) to the property",
        ),
        fee_kind="mrp",
        fee_mrp=Decimal("0.5"),
        fee_payment=DUTY,
        documents=[
            APPLICATION,
            IDENTITY,
            _doc("title_deed", "Құқық белгілейтін құжат", "Правоустанавливающий документ", "Title document"),
            PROPERTY,
        ],
        refusal_grounds=[INCOMPLETE, ENCUMBRANCE],
        hours=HOURS,
        form_schema=_form(
            ["cadastral_number", "deal"],
            cadastral_number=CADASTRE,
            deal=_choice(
                "Deal",
                "Мәміле",
                "Сделка",
                {
                    "sale": ("Сатып алу-сату", "Купля-продажа", "Sale"),
                    "gift": ("Сыйға тарту", "Дарение", "Gift"),
                    "inheritance": ("Мұрагерлік", "Наследство", "Inheritance"),
                },
            ),
        ),
    ),
    # Land-plot identification document: no source found; plausible.
    "00500003": StandardDraft(
        authority_code="MIO",
        channels=["centre", "portal"],
        term_amount=7,
        term_unit="working_days",
        form="paper",
        result=_t(
            "Жер учаскесіне сәйкестендіру құжаты",
            "Идентификационный документ на земельный участок",
            "A land-plot identification document",
        ),
        fee_payment=FREE,
        documents=[APPLICATION, IDENTITY, PROPERTY],
        refusal_grounds=[INCOMPLETE],
        hours=HOURS,
        form_schema=_form(["cadastral_number"], cadastral_number=CADASTRE),
    ),
    # Kindergarten waiting list: plausible.
    "00500004": StandardDraft(
        authority_code="MIO",
        channels=["centre", "portal", "app"],
        term_amount=1,
        term_unit="working_days",
        form="electronic",
        result=_t(
            "Мектепке дейінгі ұйымға кезекке қойылғаны туралы хабарлама",
            "Уведомление о постановке на очередь в дошкольную организацию",
            "Notice of the place on the kindergarten waiting list",
        ),
        fee_payment=FREE,
        documents=[IDENTITY, BIRTH_CERT, ADDRESS],
        refusal_grounds=[NOT_ELIGIBLE],
        hours=HOURS_24,
        form_schema=_form(
            ["child_iin", "language"],
            child_iin=CHILD_IIN,
            language=_choice(
                "Language of the group",
                "Топтың тілі",
                "Язык группы",
                {"kk": ("Қазақ", "Казахский", "Kazakh"), "ru": ("Орыс", "Русский", "Russian")},
            ),
            priority=_field(
                "Entitled to priority", "Басымдық құқығы бар", "Есть право на первоочерёдность", "boolean"
            ),
        ),
    ),
}
