/*
 * gen-corpus - a deterministic corpus of policy-report-like documents.
 *
 *   gen-corpus [--seed S] [--docs N] [--per-dir K] OUT
 *   gen-corpus [--seed S] [--docs N] [--per-dir K] --churn PCT --round R OUT
 *
 * Writes N documents into OUT/0000/00000000.md, OUT/0000/00000001.txt, ...
 * (K per folder, 1,000 by default).  The same seed gives byte-identical
 * files, and document i does not depend on N: a corpus of 10,000 is the
 * first 10,000 documents of the corpus of 100,000.
 *
 * What a document looks like: 90% English and 10% Russian (Cyrillic); 40%
 * Markdown with YAML front matter (title, author, date, lang) and headings,
 * the rest plain text whose first line is the title.  Lengths in pages of
 * about 400 words: most between 1 and 20, 2% between 20 and 100, and 0.3%
 * between 200 and 300.  Words are drawn from a Zipf distribution
 * (see ZIPF_S1) over ten million ranks per language: the
 * most frequent function words first, then a few hundred real policy words
 * and collocations in several inflected forms (so stemming matters) mixed
 * with generated pronounceable words, whose stems come in four inflections
 * each.  Person names, numbers, percentages, sums and dates are sprinkled in.
 *
 * --churn PCT --round R rewrites PCT percent of the N documents (exactly
 * round(N * PCT / 100), a different deterministic choice per round) with a
 * revised body: same path, title and author, new text.  Either way it
 * prints how many files it wrote, their bytes, and how many are Markdown
 * and how many Russian.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Word frequencies follow Zipf's law in two regimes, as in real text: an
 * exponent near 1 up to ZIPF_BREAK, a steeper one beyond.  That gives the
 * top 100 words about 55% of the tokens and a vocabulary that keeps growing
 * with the corpus like the square root of its size (Heaps' law): about
 * 210,000 distinct words in 24 M tokens, 670,000 in 240 M.
 */
#define ZIPF_S1 1.05
#define ZIPF_S2 2.0
#define ZIPF_BREAK 8192
#define VOCAB_RANKS 10000000	/* ranks per language */
#define HEAD_RANKS 65536	/* ranks sampled from a table; the tail by formula */
#define WORDS_PER_PAGE 400
#define MAX_WORD 64

/* ---- random numbers: splitmix64 to seed, xoshiro256** to draw ---- */

typedef struct rng {
	uint64_t s[4];
} rng_t;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A hash of up to three numbers, for seeding and for word shapes. */
static uint64_t
mix3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t x = a;

	x = splitmix64(&x) ^ b;
	x = splitmix64(&x) ^ c;
	return splitmix64(&x);
}

static void
rng_seed(rng_t *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(rng_t *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
rng_unit(rng_t *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box-Muller). */
static double
rng_normal(rng_t *r)
{
	double u = 1 - rng_unit(r), v = rng_unit(r);

	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Uniform in [lo, hi]. */
static int
rng_range(rng_t *r, int lo, int hi)
{
	return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

#define PICK(r, arr) ((arr)[rng_next(r) % (sizeof(arr) / sizeof((arr)[0]))])
#define COUNT(arr) ((int)(sizeof(arr) / sizeof((arr)[0])))

/* ---- fixed word lists ---- */

static const char *const en_function[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by",
	"be", "are", "this", "it", "from", "at", "which", "or", "an", "has", "its", "have",
	"not", "their", "will", "been", "was", "more", "also", "but", "they", "these", "other",
	"would", "than", "can", "between", "such", "into", "may", "over", "all", "new", "both",
	"including", "while", "under", "after", "through", "most", "were", "there", "should",
	"could", "only", "against", "within", "since", "any", "some", "those", "where", "each",
	"however", "because", "whose", "what", "about", "without", "among", "during", "before",
	"well", "one", "two", "three", "first", "second", "many", "much", "further", "very",
};

/*
 * Real policy vocabulary, several forms of a word apart, so that a stemmed
 * query matches more than the exact form.  Entries with a space are
 * collocations: they appear as units, so phrase queries have real matches.
 */
static const char *const en_policy[] = {
	"security", "secure", "securing", "cooperation", "cooperate", "cooperating",
	"cooperative", "sanctions", "sanctioned", "sanction", "energy", "energies", "trade",
	"trading", "traded", "region", "regional", "regions", "government", "governments",
	"governance", "policy", "policies", "economic", "economy", "economies", "development",
	"developing", "developed", "investment", "investments", "investors", "agreement",
	"agreements", "agreed", "summit", "summits", "declaration", "declarations", "border",
	"borders", "bordering", "transport", "transit", "corridor", "corridors", "pipeline",
	"pipelines", "infrastructure", "financing", "finance", "financial", "military",
	"militaries", "defence", "defense", "strategy", "strategic", "strategies", "integration",
	"integrated", "integrating", "partnership", "partnerships", "partners", "partner",
	"ministers", "minister", "ministry", "president", "presidential", "presidents",
	"parliament", "parliamentary", "election", "elections", "elected", "reform", "reforms",
	"reforming", "reformed", "water", "waters", "climate", "emissions", "mining", "minerals",
	"mineral", "critical", "uranium", "gas", "oil", "electricity", "hydropower", "nuclear",
	"diplomacy", "diplomatic", "diplomats", "negotiations", "negotiated", "negotiating",
	"negotiation", "conflict", "conflicts", "stability", "stabilisation", "instability",
	"terrorism", "terrorist", "extremism", "extremist", "migration", "migrants", "migrant",
	"remittances", "labour", "workers", "employment", "unemployment", "inflation",
	"currency", "currencies", "exports", "exporting", "exported", "imports", "imported",
	"tariffs", "tariff", "customs", "union", "unions", "organisation", "organization",
	"organisations", "institutions", "institutional", "institution", "framework",
	"frameworks", "implementation", "implementing", "implemented", "commitments",
	"committed", "commitment", "assistance", "assisted", "donors", "donor", "loans", "loan",
	"debt", "debts", "budget", "budgets", "budgetary", "fiscal", "monetary", "banking",
	"banks", "bank", "sovereignty", "sovereign", "territorial", "territory", "territories",
	"neighbours", "neighbouring", "neighbour", "influence", "influenced", "influential",
	"competition", "competing", "competitive", "connectivity", "connected", "connecting",
	"digital", "digitalisation", "cyber", "technology", "technologies", "technological",
	"sanitization", "sanitizing", "sanitized", "humanitarian", "refugees", "refugee",
	"rights", "human", "freedom", "freedoms", "corruption", "corrupt", "accountability",
	"accountable", "transparency", "transparent", "legislation", "legislative", "laws",
	"law", "court", "courts", "judicial", "constitution", "constitutional", "referendum",
	"multilateral", "bilateral", "trilateral", "multilateralism", "observers", "observer",
	"membership", "members", "member", "expansion", "expanded", "expanding", "ratified",
	"ratification", "ratifying", "treaty", "treaties", "protocol", "protocols", "resolution",
	"resolutions", "mandate", "mandates", "recommendations", "recommended", "recommend",
	"assessment", "assessments", "assessed", "analysis", "analyses", "analysts",
	"Central Asia", "Astana Declaration", "Shanghai Cooperation Organisation",
	"Belt and Road Initiative", "Eurasian Economic Union", "Security Council",
	"United Nations", "European Union", "Collective Security Treaty Organization",
	"Caspian Sea", "Aral Sea", "Middle Corridor", "energy security", "climate change",
	"foreign direct investment", "rule of law", "civil society", "food security",
	"Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Afghanistan",
	"Russia", "China", "India", "Iran", "Türkiye", "Azerbaijan", "Armenia", "Georgia",
	"Mongolia", "Pakistan", "Astana", "Tashkent", "Bishkek", "Dushanbe", "Ashgabat",
	"Moscow", "Beijing", "Brussels", "Washington", "Ankara", "Baku", "Tianjin",
};

static const char *const ru_function[] = {
	"и", "в", "не", "на", "что", "с", "по", "о", "для", "к", "а", "как", "из", "это",
	"его", "от", "также", "при", "за", "их", "до", "но", "так", "или", "же", "уже",
	"было", "был", "была", "были", "между", "после", "более", "этого", "этом", "который",
	"которые", "которых", "может", "могут", "только", "всех", "все", "года", "году",
	"время", "том", "чем", "под", "без", "через", "однако", "если", "где", "около",
};

static const char *const ru_policy[] = {
	"сотрудничество", "сотрудничества", "сотрудничеству", "сотрудничестве", "безопасность",
	"безопасности", "санкции", "санкций", "санкциями", "санкционный", "энергетика",
	"энергетики", "энергетической", "энергетический", "соглашение", "соглашения",
	"соглашений", "соглашению", "государство", "государства", "государств",
	"государственный", "экономика", "экономики", "экономического", "экономическое",
	"развитие", "развития", "развитию", "политика", "политики", "политической",
	"политический", "интеграция", "интеграции", "интеграционных", "торговля", "торговли",
	"торговый", "договор", "договора", "договоров", "граница", "границы", "границе",
	"транспорт", "транспортного", "транзит", "транзита", "коридор", "коридора",
	"инвестиции", "инвестиций", "инвестиционный", "регион", "региона", "регионе",
	"регионального", "региональной", "правительство", "правительства", "министр",
	"министерство", "министров", "президент", "президента", "парламент", "парламента",
	"выборы", "выборов", "реформа", "реформы", "реформ", "вода", "воды", "водных",
	"климат", "климата", "климатической", "нефть", "нефти", "газа", "газ", "уран",
	"электроэнергии", "переговоры", "переговоров", "конфликт", "конфликта", "стабильность",
	"стабильности", "терроризм", "терроризма", "миграция", "миграции", "мигрантов",
	"инфляция", "инфляции", "валюта", "валюты", "экспорт", "экспорта", "импорт",
	"импорта", "таможенный", "союз", "союза", "организация", "организации",
	"сотрудники", "программа", "программы", "стратегия", "стратегии", "стратегический",
	"суверенитет", "суверенитета", "влияние", "влияния", "технологии", "технологий",
	"права", "прав", "человека", "коррупция", "коррупции", "законодательство",
	"законодательства", "закон", "закона", "суд", "суда", "конституция", "конституции",
	"Центральная Азия", "Центральной Азии", "Шанхайская организация сотрудничества",
	"Евразийский экономический союз", "Совет Безопасности", "Организация Объединённых Наций",
	"Астанинская декларация", "энергетическая безопасность", "Казахстан", "Казахстана",
	"Узбекистан", "Узбекистана", "Киргизия", "Таджикистан", "Туркменистан", "Афганистан",
	"Россия", "России", "Китай", "Китая", "Индия", "Иран", "Турция", "Азербайджан",
	"Москва", "Москве", "Пекин", "Астана", "Астане", "Ташкент", "Бишкек", "Душанбе",
};

static const char *const en_first[] = {
	"Dana", "Marcus", "Aigerim", "Farrukh", "Elena", "James", "Sophie", "Timur", "Nadia",
	"Omar", "Li", "Wei", "Anna", "David", "Maria", "Rustam", "Gulnara", "Peter", "Sarah",
	"Dilnoza", "Azamat", "Iria", "Kenji", "Fatima", "Hassan", "Olga", "Sergei", "Yuki",
	"Laura", "Thomas", "Bakhyt", "Zarina", "Michael", "Emma", "Arman", "Nilufar",
};

static const char *const en_last[] = {
	"Seitkali", "Hollander", "Nazarov", "Petrova", "Smith", "Chen", "Karimov", "Abdullaeva",
	"Müller", "Rossi", "Tanaka", "Kim", "Johnson", "Ivanova", "Dubois", "Nurlanov",
	"Yusupova", "García", "Kowalski", "O'Brien", "Sultanov", "Rahimova", "Bauer", "Novak",
	"Lindqvist", "Haddad", "Popescu", "Morozov", "Akhmetova", "Zhang", "Wright", "Castro",
};

static const char *const ru_first[] = {
	"Анна", "Сергей", "Ольга", "Дмитрий", "Айгерим", "Тимур", "Елена", "Рустам",
	"Наталья", "Алексей", "Гульнара", "Фаррух", "Мария", "Азамат", "Ирина", "Бахыт",
};

static const char *const ru_last[] = {
	"Иванова", "Петров", "Назаров", "Каримова", "Сейткали", "Смирнов", "Абдуллаев",
	"Морозова", "Султанов", "Кузнецов", "Юсупова", "Ахметов", "Попова", "Рахимов",
};

static const char *const en_institutions[] = {
	"Institute for Eurasian Studies", "Centre for Policy Analysis", "Caspian Policy Forum",
	"Council on Regional Affairs", "Steppe Economic Observatory", "Foundation for Open Borders",
};

static const char *const ru_institutions[] = {
	"Институт евразийских исследований", "Центр политического анализа",
	"Фонд региональных исследований", "Аналитический центр «Степь»",
};

static const char *const en_months[] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};

static const char *const ru_months[] = {
	"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
	"сентября", "октября", "ноября", "декабря",
};

/* Pieces of generated words: onset, vowel, coda; and inflections. */
static const char *const en_onset[] = {
	"b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "k", "l", "m", "n", "p",
	"pr", "qu", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z", "",
};
static const char *const en_vowel[] = { "a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y" };
static const char *const en_coda[] = { "", "", "", "n", "r", "s", "l", "m", "st", "nd", "nt", "rk" };
static const char *const en_inflect[] = { "", "s", "ing", "ed" };

static const char *const ru_onset[] = {
	"б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц",
	"ч", "ш", "ст", "пр", "тр", "кр", "",
};
static const char *const ru_vowel[] = { "а", "е", "и", "о", "у", "ы", "я", "ю" };
static const char *const ru_coda[] = { "", "", "", "н", "р", "с", "л", "м", "к", "т" };
static const char *const ru_inflect[] = { "ов", "ами", "ого", "ение" };

/* ---- the vocabulary of one language ---- */

typedef struct lang {
	const char *code;			/* "en", "ru" */
	const char *const *function;
	int nfunction;
	const char *const *policy;
	int npolicy;
	const char *const *onset, *const *vowel, *const *coda, *const *inflect;
	int nonset, nvowel, ncoda;
	char **head;				/* words of ranks 1..HEAD_RANKS (index rank-1) */
	uint64_t salt;
} lang_t;

/* A pronounceable stem of min_syll or one more syllables, chosen by hash h. */
static size_t
make_stem(const lang_t *L, uint64_t h, int min_syll, char *out, size_t cap)
{
	int syll = min_syll + (int)(h % 2), i;
	size_t n = 0;

	h /= 2;
	for (i = 0; i < syll; i++) {
		const char *parts[3];
		int j;

		parts[0] = L->onset[h % (uint64_t)L->nonset];
		h /= (uint64_t)L->nonset;
		parts[1] = L->vowel[h % (uint64_t)L->nvowel];
		h /= (uint64_t)L->nvowel;
		parts[2] = i + 1 == syll ? L->coda[h % (uint64_t)L->ncoda] : "";
		h /= (uint64_t)L->ncoda;
		if (h < 1000000)
			h = mix3(h, (uint64_t)i, 77);
		for (j = 0; j < 3; j++) {
			size_t k = strlen(parts[j]);

			if (n + k + 1 < cap) {
				memcpy(out + n, parts[j], k);
				n += k;
			}
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * The generated word of a rank: ranks come in groups of four sharing a
 * stem, one inflection each, so the stemmer has forms to merge.  Deep-tail
 * words get longer stems, which keeps them apart from the head's words.
 */
static void
generated_word(const lang_t *L, uint64_t rank, char *out, size_t cap)
{
	uint64_t h = mix3(L->salt, rank >> 2, 0x5eed);
	size_t n = make_stem(L, h, rank > HEAD_RANKS ? 2 : 1, out, cap);
	const char *suffix = L->inflect[rank & 3];

	if (n + strlen(suffix) + 1 < cap)
		strcpy(out + n, suffix);
}

/*
 * Builds the head of the vocabulary: function words first, then the policy
 * words spread over ranks ~100-1,500 (one in every four ranks), generated
 * words in between and after.
 */
static int
lang_init(lang_t *L, uint64_t seed)
{
	int rank, next_policy = 0;
	char buf[MAX_WORD];

	L->salt = mix3(seed, (uint64_t)L->code[0], (uint64_t)L->code[1]);
	L->head = calloc(HEAD_RANKS, sizeof(*L->head));
	if (L->head == NULL)
		return -1;
	for (rank = 1; rank <= HEAD_RANKS; rank++) {
		const char *w;

		if (rank <= L->nfunction) {
			w = L->function[rank - 1];
		} else if (next_policy < L->npolicy && (rank - L->nfunction) % 4 == 1) {
			w = L->policy[next_policy++];
		} else {
			generated_word(L, (uint64_t)rank, buf, sizeof(buf));
			w = buf;
		}
		if ((L->head[rank - 1] = strdup(w)) == NULL)
			return -1;
	}
	return 0;
}

static void
lang_free(lang_t *L)
{
	int i;

	if (L->head == NULL)
		return;
	for (i = 0; i < HEAD_RANKS; i++)
		free(L->head[i]);
	free(L->head);
}

/* ---- Zipf sampling: a table for the head, the continuous inverse for the tail ---- */

static double head_cdf[HEAD_RANKS];	/* cumulative probability up to each head rank */
static double tail_a, tail_b;		/* the tail's bounds raised to 1 - ZIPF_S2 */

/* The relative weight of a rank. */
static double
zipf_weight(double rank)
{
	if (rank <= ZIPF_BREAK)
		return pow(rank, -ZIPF_S1);
	return pow(ZIPF_BREAK, ZIPF_S2 - ZIPF_S1) * pow(rank, -ZIPF_S2);
}

static void
zipf_init(void)
{
	double sum = 0, total, tail;
	int i;

	for (i = 0; i < HEAD_RANKS; i++) {
		sum += zipf_weight(i + 1.0);
		head_cdf[i] = sum;
	}
	/* The tail's mass: the integral of its weight over (HEAD_RANKS + 0.5, VOCAB_RANKS + 0.5). */
	tail_a = pow(HEAD_RANKS + 0.5, 1 - ZIPF_S2);
	tail_b = pow(VOCAB_RANKS + 0.5, 1 - ZIPF_S2);
	tail = pow(ZIPF_BREAK, ZIPF_S2 - ZIPF_S1) * (tail_a - tail_b) / (ZIPF_S2 - 1);
	total = sum + tail;
	for (i = 0; i < HEAD_RANKS; i++)
		head_cdf[i] /= total;
}

/* A rank in 1..VOCAB_RANKS. */
static uint64_t
zipf_rank(rng_t *r)
{
	double u = rng_unit(r);
	int lo = 0, hi = HEAD_RANKS - 1;

	if (u >= head_cdf[HEAD_RANKS - 1]) {
		double v = (u - head_cdf[HEAD_RANKS - 1]) / (1 - head_cdf[HEAD_RANKS - 1]);
		double x = pow(tail_a - v * (tail_a - tail_b), 1 / (1 - ZIPF_S2));
		uint64_t rank = (uint64_t)(x + 0.5);

		if (rank <= HEAD_RANKS)
			rank = HEAD_RANKS + 1;
		return rank > VOCAB_RANKS ? VOCAB_RANKS : rank;
	}
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (head_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint64_t)lo + 1;
}

/* ---- output buffer ---- */

typedef struct buf {
	char *p;
	size_t len, cap;
} buf_t;

static void
buf_grow(buf_t *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;

		while (cap < b->len + more + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL) {
			fputs("gen-corpus: out of memory\n", stderr);
			exit(2);
		}
		b->cap = cap;
	}
}

static void
put(buf_t *b, const char *s)
{
	size_t n = strlen(s);

	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
putf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Appends word with its first letter upper-cased (ASCII and Cyrillic а-я). */
static void
put_capitalised(buf_t *b, const char *w)
{
	const unsigned char *u = (const unsigned char *)w;

	if (u[0] >= 'a' && u[0] <= 'z') {
		char c[2] = { (char)(u[0] - 32), '\0' };

		put(b, c);
		put(b, w + 1);
	} else if (u[0] == 0xd0 && u[1] >= 0xb0 && u[1] <= 0xbf) {
		/* а-п: d0 b0..bf -> А-П: d0 90..9f */
		char c[3] = { (char)0xd0, (char)(u[1] - 0x20), '\0' };

		put(b, c);
		put(b, w + 2);
	} else if (u[0] == 0xd1 && u[1] >= 0x80 && u[1] <= 0x8f) {
		/* р-я: d1 80..8f -> Р-Я: d0 a0..af */
		char c[3] = { (char)0xd0, (char)(u[1] + 0x20), '\0' };

		put(b, c);
		put(b, w + 2);
	} else {
		put(b, w);
	}
}

/* ---- the pieces of a document ---- */

typedef struct doc {
	const lang_t *L;
	int ru;
	int markdown;
	int pages;
	char title[512];
	char author[256];
	char date[16];
	const char *institution;
} doc_t;

static const char *
word_of_rank(const lang_t *L, uint64_t rank, char *tmp, size_t cap)
{
	if (rank <= HEAD_RANKS)
		return L->head[rank - 1];
	generated_word(L, rank, tmp, cap);
	return tmp;
}

static void
put_name(buf_t *b, rng_t *r, int ru)
{
	put(b, ru ? PICK(r, ru_first) : PICK(r, en_first));
	put(b, " ");
	put(b, ru ? PICK(r, ru_last) : PICK(r, en_last));
}

static void
put_date(buf_t *b, rng_t *r, int ru)
{
	int y = rng_range(r, 1991, 2026), m = rng_range(r, 1, 12), d = rng_range(r, 1, 28);

	switch (rng_next(r) % 3) {
	case 0:
		if (ru)
			putf(b, "%d %s %d года", d, ru_months[m - 1], y);
		else
			putf(b, "%d %s %d", d, en_months[m - 1], y);
		break;
	case 1:
		putf(b, "%d-%02d-%02d", y, m, d);
		break;
	default:
		if (ru)
			putf(b, "%s %d г.", ru_months[m - 1], y);
		else
			putf(b, "%s %d", en_months[m - 1], y);
		break;
	}
}

static void
put_number(buf_t *b, rng_t *r, int ru)
{
	int whole = rng_range(r, 1, 99), frac = rng_range(r, 0, 9);

	switch (rng_next(r) % 6) {
	case 0:
		putf(b, ru ? "%d,%d%%" : "%d.%d%%", whole, frac);
		break;
	case 1:
		putf(b, ru ? "%d,%d млрд долларов" : "$%d.%d billion", whole, frac);
		break;
	case 2:
		putf(b, "%d", rng_range(r, 1991, 2030));
		break;
	case 3:
		putf(b, ru ? "%d %03d" : "%d,%03d", rng_range(r, 1, 999), rng_range(r, 0, 999));
		break;
	case 4:
		putf(b, "A/RES/%d/%d", rng_range(r, 46, 79), rng_range(r, 1, 320));
		break;
	default:
		putf(b, "%d", rng_range(r, 2, 500));
		break;
	}
}

/* A title: four to nine words from the policy part of the vocabulary. */
static void
make_title(doc_t *d, rng_t *r)
{
	buf_t b = { 0 };
	char tmp[MAX_WORD];
	int n = rng_range(r, 4, 9), i;

	for (i = 0; i < n; i++) {
		uint64_t rank = (uint64_t)d->L->nfunction + 1 + zipf_rank(r) % 3000;
		const char *w = rng_next(r) % 5 < 3 ? d->L->policy[rng_next(r) % (uint64_t)d->L->npolicy]
						    : word_of_rank(d->L, rank, tmp, sizeof(tmp));

		if (i > 0)
			put(&b, i == n / 2 && rng_next(r) % 3 == 0 ? ": " : " ");
		if (i > 0 && rng_next(r) % 4 == 0) {
			put(&b, d->L->function[rng_next(r) % 12]);
			put(&b, " ");
		}
		put_capitalised(&b, w);
	}
	snprintf(d->title, sizeof(d->title), "%.*s", (int)b.len, b.p);
	free(b.p);
}

static void
make_identity(doc_t *d, rng_t *r, const lang_t *en, const lang_t *ru)
{
	double u;
	buf_t b = { 0 };

	d->ru = rng_next(r) % 10 == 0;
	d->L = d->ru ? ru : en;
	d->markdown = rng_next(r) % 10 < 4;
	u = rng_unit(r);
	if (u < 0.003)
		d->pages = rng_range(r, 200, 300);
	else if (u < 0.023)
		d->pages = rng_range(r, 20, 100);
	else	/* log-normal, median 3 pages, cut to 1-20 */
		d->pages = (int)(3 * exp(0.8 * rng_normal(r)) + 0.5);
	if (d->pages < 1)
		d->pages = 1;
	if (u >= 0.023 && d->pages > 20)
		d->pages = 20;
	make_title(d, r);
	put_name(&b, r, d->ru);
	if (rng_next(r) % 3 == 0) {
		put(&b, ", ");
		put_name(&b, r, d->ru);
	}
	snprintf(d->author, sizeof(d->author), "%.*s", (int)b.len, b.p);
	free(b.p);
	snprintf(d->date, sizeof(d->date), "%d-%02d-%02d", rng_range(r, 1995, 2026),
		 rng_range(r, 1, 12), rng_range(r, 1, 28));
	d->institution = d->ru ? PICK(r, ru_institutions) : PICK(r, en_institutions);
}

/* One sentence of 6-28 tokens. */
static void
put_sentence(buf_t *b, rng_t *r, const doc_t *d)
{
	int n = rng_range(r, 6, 28), i;
	char tmp[MAX_WORD];

	for (i = 0; i < n; i++) {
		int roll = (int)(rng_next(r) % 1000);

		if (i > 0)
			put(b, " ");
		if (roll < 25) {
			put_number(b, r, d->ru);
		} else if (roll < 32) {
			put_date(b, r, d->ru);
		} else if (roll < 45) {
			put_name(b, r, d->ru);
		} else {
			const char *w = word_of_rank(d->L, zipf_rank(r), tmp, sizeof(tmp));

			if (i == 0)
				put_capitalised(b, w);
			else
				put(b, w);
		}
		if (i + 1 < n && rng_next(r) % 16 == 0)
			put(b, ",");
	}
	put(b, ".");
}

/* A heading of two to six words. */
static void
put_heading(buf_t *b, rng_t *r, const doc_t *d)
{
	int n = rng_range(r, 2, 6), i;
	char tmp[MAX_WORD];

	for (i = 0; i < n; i++) {
		uint64_t rank = (uint64_t)d->L->nfunction + 1 + zipf_rank(r) % 5000;

		if (i > 0)
			put(b, " ");
		if (i == 0)
			put_capitalised(b, word_of_rank(d->L, rank, tmp, sizeof(tmp)));
		else
			put(b, word_of_rank(d->L, rank, tmp, sizeof(tmp)));
	}
}

static void
write_document(buf_t *b, const doc_t *d, rng_t *r)
{
	long words = 0, target = (long)d->pages * rng_range(r, 350, 450);
	int section = 1;

	b->len = 0;
	if (d->markdown) {
		putf(b, "---\ntitle: \"%s\"\nauthor: \"%s\"\ndate: %s\nlang: %s\n---\n\n# %s\n\n*%s, %s*\n\n",
		     d->title, d->author, d->date, d->L->code, d->title,
		     d->ru ? "Аналитический доклад" : "Policy report", d->institution);
	} else {
		putf(b, "%s\n\n%s\n%s\n%s\n\n", d->title, d->author, d->institution, d->date);
	}
	while (words < target) {
		int sentences, i;

		/* A new section about once a page. */
		if (words == 0 || rng_next(r) % 5 == 0) {
			if (d->markdown)
				put(b, "## ");
			else
				putf(b, "%d. ", section);
			put_heading(b, r, d);
			put(b, "\n\n");
			section++;
		}
		/* Now and then a list, in Markdown; plain text gets numbered points. */
		if (rng_next(r) % 12 == 0) {
			int items = rng_range(r, 2, 5);

			for (i = 0; i < items; i++) {
				size_t before = b->len;

				put(b, d->markdown ? "- " : "  * ");
				put_sentence(b, r, d);
				put(b, "\n");
				words += (long)(b->len - before) / 7;
			}
			put(b, "\n");
		}
		sentences = rng_range(r, 3, 7);
		for (i = 0; i < sentences; i++) {
			size_t before = b->len;

			if (i > 0)
				put(b, " ");
			put_sentence(b, r, d);
			/* Words are counted by bytes: about 7 per word with its space. */
			words += (long)(b->len - before) / (d->ru ? 11 : 7);
		}
		put(b, "\n\n");
	}
}

/* ---- files ---- */

static int
ensure_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "gen-corpus: %s: %s\n", path, strerror(errno));
	return -1;
}

static int
write_file(const char *path, const buf_t *b)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "gen-corpus: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return 0;
}

struct options {
	uint64_t seed;
	long docs, per_dir;
	double churn;		/* percent; < 0 when not churning */
	long round;
	const char *out;
};

/* Writes document i (revision version) under o->out. */
struct tally {
	long files, bytes, markdown, russian;
};

static int
generate(const struct options *o, long i, long version, const lang_t *en, const lang_t *ru,
	 buf_t *b, struct tally *t)
{
	char dir[4096], path[4200];
	rng_t r;
	doc_t d;

	memset(&d, 0, sizeof(d));
	rng_seed(&r, mix3(o->seed, (uint64_t)i, 0));
	make_identity(&d, &r, en, ru);
	rng_seed(&r, mix3(o->seed, (uint64_t)i, (uint64_t)version + 1));
	write_document(b, &d, &r);
	snprintf(dir, sizeof(dir), "%s/%04ld", o->out, i / o->per_dir);
	if (i % o->per_dir == 0 && version == 0 && ensure_dir(dir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%08ld.%s", dir, i, d.markdown ? "md" : "txt");
	t->files++;
	t->bytes += (long)b->len;
	t->markdown += d.markdown;
	t->russian += d.ru;
	return write_file(path, b);
}

static long
gcd(long a, long b)
{
	while (b != 0) {
		long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void
usage(void)
{
	fputs("usage: gen-corpus [--seed S] [--docs N] [--per-dir K] [--churn PCT --round R] OUT\n",
	      stderr);
	exit(2);
}

static long
number(const char *flag, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "gen-corpus: %s wants a number from %ld to %ld\n", flag, lo, hi);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct options o = { 1, 10000, 1000, -1, 0, NULL };
	lang_t en = { "en", en_function, COUNT(en_function), en_policy, COUNT(en_policy),
		      en_onset, en_vowel, en_coda, en_inflect, COUNT(en_onset), COUNT(en_vowel),
		      COUNT(en_coda), NULL, 0 };
	lang_t ru = { "ru", ru_function, COUNT(ru_function), ru_policy, COUNT(ru_policy),
		      ru_onset, ru_vowel, ru_coda, ru_inflect, COUNT(ru_onset), COUNT(ru_vowel),
		      COUNT(ru_coda), NULL, 0 };
	buf_t b = { 0 };
	struct tally t = { 0, 0, 0, 0 };
	long i;
	int a, status = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			o.seed = (uint64_t)number("--seed", argv[++a], 0, 0x7fffffffffffffffL);
		else if (strcmp(argv[a], "--docs") == 0 && a + 1 < argc)
			o.docs = number("--docs", argv[++a], 1, 100000000);
		else if (strcmp(argv[a], "--per-dir") == 0 && a + 1 < argc)
			o.per_dir = number("--per-dir", argv[++a], 1, 1000000);
		else if (strcmp(argv[a], "--churn") == 0 && a + 1 < argc)
			o.churn = atof(argv[++a]);
		else if (strcmp(argv[a], "--round") == 0 && a + 1 < argc)
			o.round = number("--round", argv[++a], 1, 1000000);
		else if (argv[a][0] == '-' || o.out != NULL)
			usage();
		else
			o.out = argv[a];
	}
	if (o.out == NULL || (o.churn >= 0 && (o.churn > 100 || o.round < 1)))
		usage();
	zipf_init();
	if (lang_init(&en, o.seed) != 0 || lang_init(&ru, o.seed) != 0) {
		fputs("gen-corpus: out of memory\n", stderr);
		return 2;
	}
	if (o.churn < 0) {
		if (ensure_dir(o.out) != 0)
			return 2;
		for (i = 0; i < o.docs && status == 0; i++)
			status = generate(&o, i, 0, &en, &ru, &b, &t);
	} else {
		/*
		 * Exactly m distinct documents: k -> (start + k * step) mod N is a
		 * permutation when step and N are coprime; start and step
		 * change with the round.
		 */
		long m = (long)((double)o.docs * o.churn / 100 + 0.5);
		long start = (long)(mix3(o.seed, (uint64_t)o.round, 1) % (uint64_t)o.docs);
		long step = (long)(mix3(o.seed, (uint64_t)o.round, 2) % (uint64_t)o.docs) | 1;

		while (gcd(step, o.docs) != 1)
			step = (step + 2) % o.docs;
		for (i = 0; i < m && status == 0; i++)
			status = generate(&o, (start + i * step) % o.docs, o.round, &en, &ru, &b, &t);
	}
	printf("gen-corpus: %ld files, %ld bytes, %ld Markdown, %ld Russian\n", t.files, t.bytes,
	       t.markdown, t.russian);
	free(b.p);
	lang_free(&en);
	lang_free(&ru);
	return status == 0 ? 0 : 1;
}
