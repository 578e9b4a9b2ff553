/**
 * The English stopword list the analyzer drops by default: articles, pronouns, auxiliaries, prepositions,
 * conjunctions and a few very common adverbs, about 140 function words in all. Words that carry meaning in
 * a query ("not", "no", "against", "more", "most") are kept, because dropping negations hurts claim-style
 * queries. Entries are lowercase and written without apostrophes, since the tokenizer drops them ("don't"
 * becomes "dont").
 */

const WORDS = `
a about above after again all also am an and any are as at
be because been before being below between both but by
can could
did do does doing down during
each either
few for from further
had has have having he her here hers herself him himself his how
i if in into is it its itself
just
me my myself
neither nor
of off on once only or other our ours ourselves out over own
same she should so some such
than that the their theirs them themselves then there these they this those through to too
under until up upon us
very
was we were what when where which while who whom whose why will with would
yet you your yours yourself yourselves
s t d ll m re ve
`;

/** English stopwords, lowercase. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w.length > 0));
