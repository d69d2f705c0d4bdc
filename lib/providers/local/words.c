/* Word tables of the local computations, written for plexus: common
 * function words of seven languages (language guess, stop words) and an
 * English sentiment lexicon tuned for customer messages (weights -4..4,
 * boosters as factors, negators, contrast words, verbs that count when
 * negated). Looked up by word hash in one open-addressing index built
 * once, on first use. */
#include "local.h"

#include <pthread.h>
#include <string.h>

const char *const LX_LANGS[LX_LANG_COUNT] = {"en", "es", "fr", "de", "it", "pt", "nl"};

/* Function words, one space-separated list per language (LX_LANGS order).
 * Words shared by several languages count for each of them. */
static const char *const FUNCTION_WORDS[LX_LANG_COUNT] = {
    /* en */
    "the a an and or but if of to in on at by for with from about as into than "
    "then so is are was were be been being am do does did have has had will would "
    "shall should can could may might must it its it's this that these those there "
    "here i i'm i've i'd i'll me my mine we our us you your yours he him his she her "
    "they them their what which who whom whose when where why how all any some each "
    "every both more most other such only own same just also very too not no yes "
    "hi hello hey dear please thanks thank regards cheers team still again",
    /* es */
    "el la los las lo un una unos unas y o de del al a en que por para con sin sobre "
    "es son está están estoy estaba fue ser ha han he hay mi mis tu su sus nos se le "
    "les me te muy más pero como cuando donde porque ya también todo todos esta este "
    "esto estos esa ese eso gracias hola buenos buenas favor no sí usted ustedes yo "
    "mucho nada hace desde hasta",
    /* fr */
    "le la les un une des du de et ou en au aux que qui quoi ne pas plus est sont "
    "suis était été être ai as a avez avons ont je tu il elle nous vous ils elles on "
    "mon ma mes ton ta tes son sa ses notre votre leur ce cet cette ces dans sur avec "
    "pour par sans très mais comme quand où aussi bien tout tous merci bonjour depuis "
    "toujours encore rien",
    /* de */
    "der die das den dem des ein eine einen einem einer und oder aber ist sind war "
    "waren bin bist sein hat haben habe hatte wird werden wurde ich du er sie es wir "
    "ihr mein meine meinen mich mir dich dir uns euch nicht kein keine auch noch schon "
    "nur sehr mit von zu zum zur auf für bei nach aus um an im in wie was wenn dass "
    "weil danke bitte hallo guten seit immer wieder",
    /* it */
    "il lo la i gli le un uno una di del della dei delle dello da dal dalla in nel "
    "nella con su sul per tra fra e ed o ma che chi non è sono sei siamo era stato "
    "ho hai ha abbiamo avete hanno io tu lui lei noi voi loro mi ti ci si mio mia miei "
    "tuo suo nostro questo questa quello quella molto più anche come quando dove "
    "perché già ancora sempre tutto grazie ciao buongiorno niente",
    /* pt */
    "o a os as um uma uns umas de do da dos das em no na nos nas ao à pelo pela por "
    "para com sem e ou mas que quem não é são está estão estou era foi ser tem têm "
    "tenho há eu você vocês ele ela nós eles elas meu minha meus seu sua muito mais "
    "também como quando onde porque já ainda sempre tudo isso isto esse essa este "
    "esta obrigado obrigada olá bom dia nada desde",
    /* nl */
    "de het een en of maar van in op te aan met voor door bij naar uit om over is zijn "
    "was waren ben bent heb hebt heeft hebben had wordt werd worden ik je jij u hij zij "
    "ze wij we jullie mijn mij me ons onze uw hun niet geen ook nog al wel erg heel "
    "zeer dat dit die deze wat wie waar wanneer hoe omdat als dan er hier daar bedankt "
    "dank alstublieft hallo graag sinds steeds",
};

/* The sentiment lexicon in groups that share a role and a value. */
typedef struct lexicon_group {
    lx_role role;
    float value;      /* LX_VALENCE: weight; LX_BOOSTER: factor; LX_NEGATOR: own
                         weight; LX_OUTCOME: weight when negated */
    const char *words;
} lexicon_group;

static const lexicon_group LEXICON[] = {
    /* praise */
    {LX_VALENCE, 3.5f, "excellent amazing awesome fantastic wonderful perfect outstanding "
                       "superb flawless phenomenal exceptional incredible spectacular "
                       "😍 🤩"},
    {LX_VALENCE, 3.0f, "great brilliant best delighted thrilled love loved loves loving "
                       "adore marvelous marvellous terrific lifesaver"},
    {LX_VALENCE, 2.5f, "lovely happy pleased impressed impressive grateful recommend "
                       "recommended beautiful excited exciting superior ❤ 💯"},
    {LX_VALENCE, 2.0f, "good nice glad satisfied enjoy enjoyed fun helpful friendly "
                       "responsive efficient smooth smoothly intuitive reliable elegant "
                       "appreciate appreciated resolved solved success successful "
                       "seamless favorite favourite pleasure pleasant valuable win wow "
                       "yay 👍 😀 😃 😄 😊 🎉 🙏 cool courteous knowledgeable"},
    {LX_VALENCE, 1.5f, "thanks thank thankful useful polite professional quick quickly "
                       "fast promptly prompt easy easily stable better improved "
                       "improvement fixed worth affordable accurate neat handy "
                       "comfortable confident successfully works worked working "
                       "refunded kudos 🙂"},
    {LX_VALENCE, 1.0f, "fine decent solid simple clean correct secure safe bonus "
                       "welcome cheers upgrade upgraded restored"},
    {LX_VALENCE, 0.5f, "ok okay like liked sure hope hopefully right free cheap fair "
                       "reasonable"},
    /* complaints */
    {LX_VALENCE, -0.5f, "sorry wait waiting asap odd weird unclear hard tried randomly"},
    {LX_VALENCE, -1.0f, "issue bug glitch concern concerned complicated "
                        "refund cancel unsubscribe urgent down locked strange "
                        "unexpected expensive pricey lag hang hangs noisy"},
    {LX_VALENCE, -2.0f, "error errors"},
    {LX_VALENCE, -1.5f, "problem trouble slow slowly delay delayed late "
                        "missing unable difficult confusing confused complaint complain "
                        "worried afraid unfortunately sadly cancelled canceled "
                        "unavailable unreachable timeout drop drops dropped dropping drain "
                        "drains draining disconnect disconnected disconnects restart restarts "
                        "restarting reboots rebooting "
                        "blocked denied declined rejected leak insecure vulnerable "
                        "joke outdated lacking mediocre meh 🙁 ☹ annoyance"},
    {LX_VALENCE, -2.0f, "bad wrong poor sad annoying annoyed sluggish laggy freeze "
                        "frozen freezes stuck lost incorrect impossible mess leaking "
                        "spam 👎 😞 😢 overdue unresponsive inaccurate "
                        "unreliable unstable misleading inconvenient slowest 😤 glitchy"},
    {LX_VALENCE, -2.5f, "broken unusable worse frustrating frustrated frustration upset unhappy "
                        "disappointing disappointed disappointment crash crashes crashed "
                        "crashing buggy damaged faulty overpriced unprofessional "
                        "unhelpful ignored waste wasted trash junk regret outage hacked "
                        "breach 😠 😭 failure"},
    {LX_VALENCE, -3.0f, "useless worthless pathetic unacceptable angry hate nightmare "
                        "disaster garbage sucks suck crap rude incompetent defective "
                        "ripoff overcharged appalling dreadful infuriating 😡 "
                        "disgusting shameful"},
    {LX_VALENCE, -3.5f, "terrible awful horrible horrendous worst scam fraud fraudulent "
                        "furious hated atrocious abysmal 🤬"},
    /* what follows a booster counts this many times */
    {LX_BOOSTER, 1.6f, "extremely incredibly insanely hugely massively ridiculously"},
    {LX_BOOSTER, 1.5f, "absolutely utterly"},
    {LX_BOOSTER, 1.4f, "very super totally completely highly deeply seriously"},
    {LX_BOOSTER, 1.3f, "really truly so especially"},
    {LX_BOOSTER, 1.2f, "too such most"},
    {LX_BOOSTER, 1.1f, "quite pretty rather"},
    {LX_BOOSTER, 0.8f, "almost fairly"},
    {LX_BOOSTER, 0.7f, "somewhat bit little kinda partially partly"},
    {LX_BOOSTER, 0.6f, "slightly marginally mildly barely"},
    /* negators, with their own weight */
    {LX_NEGATOR, 0.0f, "not no never none nothing nobody nowhere neither nor without "
                       "cannot cant dont doesnt didnt isnt wasnt arent werent wont "
                       "wouldnt couldnt shouldnt havent hasnt hadnt aint hardly"},
    {LX_NEGATOR, -0.5f, "lack lacks lacked"},
    {LX_NEGATOR, -1.0f, "stopped stops"},
    {LX_NEGATOR, -2.0f, "fail fails failed failing"},
    {LX_NEGATOR, 0.0f, "supposed"},     /* "was supposed to arrive" */
    /* what a customer expects to happen: neutral, but bad when it did not
     * ("never arrived", "nobody answers", "won't turn on") */
    {LX_OUTCOME, -1.5f, "arrive arrived receive received deliver delivered respond "
                        "responded reply replied replies answer answered load loaded "
                        "open opened start started connect connected sync synced "
                        "install installed print printed boot booted turn show showed "
                        "send sent come came help helped recognise recognize explain "
                        "explained work log login access tell told inform informed notify "
                        "notified contact contacted call called hear heard get got"},
    {LX_DAYTIME, 0.0f, "morning afternoon evening"},
    /* what comes after these outweighs what came before */
    {LX_CONTRAST, 0.0f, "but however nevertheless nonetheless although except"},
};

#define SLOTS 2048                  /* a power of two, > 2x the words */
#define LEXICON_MAX 1024
#define LANG_BITS 0xffu             /* value bits 0-7: languages; 8-: lexicon entry + 1 */

/* One open-addressing index from word hash to what both tables say, so a
 * word costs one probe. Built once; read without locks afterwards. */
static uint64_t keys[SLOTS];
static uint32_t values[SLOTS];
static struct {
    lx_role role;
    float value;
} lexicon_entries[LEXICON_MAX];
static size_t lexicon_count;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready;                   /* set (release) when built */

static uint64_t key_of(uint64_t hash)
{
    return hash ? hash : 1;         /* 0 marks a free slot */
}

/* The slot of hash: where it is, or the free slot where it would go. */
static size_t slot_of(uint64_t hash)
{
    uint64_t key = key_of(hash);
    size_t i = (size_t)(key ^ (key >> 29)) & (SLOTS - 1);
    while (keys[i] && keys[i] != key)
        i = (i + 1) & (SLOTS - 1);
    return i;
}

/* Calls fn on each word of a space-separated list. */
static void each_word(const char *list, void (*fn)(const char *w, size_t n, void *ud),
                      void *ud)
{
    while (*list) {
        while (*list == ' ')
            list++;
        size_t n = strcspn(list, " ");
        if (n)
            fn(list, n, ud);
        list += n;
    }
}

static void add_function_word(const char *w, size_t n, void *ud)
{
    size_t i = slot_of(lx_hash(w, n));
    keys[i] = key_of(lx_hash(w, n));
    values[i] |= *(const unsigned *)ud;
}

static void add_lexicon_word(const char *w, size_t n, void *ud)
{
    const lexicon_group *g = ud;
    size_t i = slot_of(lx_hash(w, n));
    if ((values[i] & ~LANG_BITS) || lexicon_count == LEXICON_MAX)
        return;                     /* the first group that lists a word wins */
    lexicon_entries[lexicon_count].role = g->role;
    lexicon_entries[lexicon_count].value = g->value;
    keys[i] = key_of(lx_hash(w, n));
    values[i] |= (uint32_t)(++lexicon_count) << 8;
}

static void build(void)
{
    for (unsigned l = 0; l < LX_LANG_COUNT; l++) {
        unsigned bit = 1u << l;
        each_word(FUNCTION_WORDS[l], add_function_word, &bit);
    }
    for (size_t g = 0; g < PLX_ARRAY_LEN(LEXICON); g++)
        each_word(LEXICON[g].words, add_lexicon_word, (void *)&LEXICON[g]);
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

static uint32_t find(uint64_t hash)
{
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        pthread_once(&once, build);
    size_t i = slot_of(hash);
    return keys[i] ? values[i] : 0;
}

unsigned lx_function_word(uint64_t hash)
{
    return find(hash) & LANG_BITS;
}

static lx_role role_of(uint32_t v, float *value)
{
    uint32_t entry = v >> 8;
    if (!entry)
        return LX_NONE;
    *value = lexicon_entries[entry - 1].value;
    return lexicon_entries[entry - 1].role;
}

static uint64_t fnv_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * UINT64_C(0x100000001b3);
}

static bool ends_with(const char *w, size_t n, const char *suffix, size_t s)
{
    if (n <= s + 2)
        return false;
    for (size_t i = 0; i < s; i++)
        if (w[n - s + i] != suffix[i])
            return false;
    return true;
}

/* "stopped" -> "stop": a doubled consonant ends w[0..n). */
static bool doubled(const char *w, size_t n)
{
    char c = w[n - 1];
    return n >= 2 && c == w[n - 2] && c != 'a' && c != 'e' && c != 'i' && c != 'o' &&
           c != 'u';
}

/* Tries "-'s", "-s", "-es", "-ed", "-ing", "-er", "-est" forms of w, with
 * a silent "e" ("loved", "loving" -> "love") or a doubled consonant
 * ("stopped" -> "stop") restored. */
static lx_role inflected(const char *w, size_t n, float *value)
{
    static const struct {
        const char *suffix;
        size_t len;
    } suffixes[] = {{"'s", 2}, {"s", 1}, {"es", 2}, {"ed", 2}, {"ing", 3}, {"er", 2},
                    {"est", 3}};
    for (size_t i = 0; i < PLX_ARRAY_LEN(suffixes); i++) {
        size_t s = suffixes[i].len;
        if (!ends_with(w, n, suffixes[i].suffix, s))
            continue;
        size_t stem = n - s;
        uint64_t h = lx_hash(w, stem);
        lx_role r = role_of(find(h), value);
        if (r == LX_NONE && s >= 2 && (w[stem] == 'e' || w[stem] == 'i'))
            r = role_of(find(fnv_step(h, 'e')), value);
        if (r == LX_NONE && doubled(w, stem))
            r = role_of(find(lx_hash(w, stem - 1)), value);
        if (r != LX_NONE)
            return r;
    }
    return LX_NONE;
}

lx_role lx_sentiment_word(const lx_token *t, float *value, unsigned *langs)
{
    *value = 0;
    uint32_t v = find(t->hash);
    *langs = v & LANG_BITS;
    lx_role r = role_of(v, value);
    if (r != LX_NONE || *langs || t->len >= LX_WORD_MAX - 1 || t->len < 4)
        return r;
    if (ends_with(t->word, t->len, "n't", 3) || strcmp(t->word, "can't") == 0)
        return LX_NEGATOR;          /* "don't", "isn't", "won't" */
    return inflected(t->word, t->len, value);
}
