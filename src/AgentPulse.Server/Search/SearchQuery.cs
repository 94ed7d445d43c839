using Lucene.Net.Analysis;
using Lucene.Net.QueryParsers.Simple;
using Lucene.Net.Search;

namespace AgentPulse.Server.Search;

/// <summary>A parsed query and what it costs.</summary>
/// <param name="Query">The Lucene query; <c>null</c> when nothing is left to look for (only stop words, say).</param>
/// <param name="Terms">Its words: plain, phrase, fuzzy and prefix terms.</param>
/// <param name="ExpandingTerms">Its fuzzy (<c>word~</c>) and prefix (<c>word*</c>) terms, each of which matches many words of the index.</param>
/// <param name="IsCostly">Whether it has fuzzy, prefix or proximity (<c>"a b"~3</c>) terms, which cost far more than plain words.</param>
internal sealed record SearchQuery(Query? Query, int Terms, int ExpandingTerms, bool IsCostly)
{
    /// <summary>
    /// Parses the forgiving simple syntax, with fuzzy edits and proximity slop lowered to the caps of
    /// <paramref name="options"/>; the counts are for the caller to refuse what is over the others.
    /// </summary>
    public static SearchQuery Parse(string text, Analyzer analyzer, string field, SearchOptions options)
    {
        var query = new LimitedParser(analyzer, field, options) { DefaultOperator = Occur.SHOULD }.Parse(text);
        if (query is null or BooleanQuery { Clauses.Count: 0 })
        {
            return new SearchQuery(null, 0, 0, false);
        }
        var cost = new Cost();
        cost.Add(query);
        return new SearchQuery(query, cost.Terms, cost.Expanding, cost.Expanding > 0 || cost.Sloppy);
    }

    private sealed class Cost
    {
        public int Terms { get; private set; }
        public int Expanding { get; private set; }
        public bool Sloppy { get; private set; }

        public void Add(Query query)
        {
            switch (query)
            {
                case BooleanQuery boolean:
                    foreach (var clause in boolean.Clauses)
                    {
                        Add(clause.Query);
                    }
                    break;
                case PhraseQuery phrase:
                    Terms += phrase.GetTerms().Length;
                    Sloppy |= phrase.Slop > 0;
                    break;
                case MultiPhraseQuery phrase:
                    Terms += phrase.GetTermArrays().Sum(a => a.Length);
                    Sloppy |= phrase.Slop > 0;
                    break;
                case MultiTermQuery:
                    Terms++;
                    Expanding++;
                    break;
                default:
                    Terms++;
                    break;
            }
        }
    }

    /// <summary>Lowers fuzzy edits and proximity slop to the caps; a cap of 0 turns the operator into a plain word or phrase.</summary>
    private sealed class LimitedParser(Analyzer analyzer, string field, SearchOptions options) : SimpleQueryParser(analyzer, field)
    {
        protected override Query NewFuzzyQuery(string text, int fuzziness)
        {
            var edits = Math.Min(fuzziness, options.MaxFuzzyEdits);
            return edits == 0 ? NewDefaultQuery(text) : base.NewFuzzyQuery(text, edits);
        }

        protected override Query NewPhraseQuery(string text, int slop) =>
            base.NewPhraseQuery(text, Math.Min(slop, options.MaxPhraseSlop));
    }
}
