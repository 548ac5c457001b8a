"""The demo's starter catalogue of public services, zones and priority categories (kk, ru, en)."""

from __future__ import annotations

from typing import Final

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
    "00500001": "business",
    "00500002": "home",
    "00500003": "home",
    "00500004": "education",
}
