using AgentPulse.Server.Storage;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Simple;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace AgentPulse.Server.Search;

/// <summary>A document's best chunk for a query.</summary>
internal sealed record ChunkHit(string DocumentId, string Name, string Snippet, float Score);

/// <summary>
/// The Lucene index: one Lucene document per chunk, carrying its documentId; English analyzer
/// (stemming), BM25. The writer commits once per document, so after a crash the index holds
/// whole documents and committed leftovers of unfinished ones, which the start removes.
/// </summary>
internal sealed class SearchIndex : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "documentId";
    private const string IdValuesField = "documentIdValues";
    private const string NameField = "name";
    private const string ChunkField = "chunk";
    private const string TextField = "text";
    private const int SnippetChars = 200;

    /// <summary>How many matches a search collects between two checks for cancellation.</summary>
    private const int CheckEvery = 1024;

    private readonly LuceneDirectory directory;
    private readonly Analyzer analyzer = new EnglishAnalyzer(Version);
    private readonly IndexWriter writer;
    private readonly SearcherManager searchers;

    public SearchIndex(AgentDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        directory = FSDirectory.Open(database.IndexPath);
        var config = new IndexWriterConfig(Version, analyzer)
        {
            OpenMode = OpenMode.CREATE_OR_APPEND,
            Similarity = new BM25Similarity(),
        };
        writer = new IndexWriter(directory, config);
        searchers = new SearcherManager(writer, applyAllDeletes: true, new Bm25SearcherFactory());
    }

    public void AddChunk(string documentId, string name, int chunk, string text)
    {
        var document = new Document
        {
            new StringField(IdField, documentId, Field.Store.YES),
            new SortedDocValuesField(IdValuesField, new BytesRef(documentId)),
            new StoredField(NameField, name),
            new StoredField(ChunkField, chunk),
            new TextField(TextField, text, Field.Store.YES),
        };
        writer.AddDocument(document);
    }

    /// <summary>Removes every chunk of a document (not committed until <see cref="Commit"/>).</summary>
    public void DeleteChunks(string documentId) => writer.DeleteDocuments(new Term(IdField, documentId));

    /// <summary>Makes what was written durable and visible to searches.</summary>
    public void Commit()
    {
        writer.Commit();
        searchers.MaybeRefreshBlocking();
    }

    /// <summary>How many chunks the index holds (for tests and the benchmark).</summary>
    public int ChunkCount()
    {
        searchers.MaybeRefreshBlocking();
        var searcher = searchers.Acquire();
        try
        {
            return searcher.IndexReader.NumDocs;
        }
        finally
        {
            searchers.Release(searcher);
        }
    }

    /// <summary>Parses a query in the simple syntax, with its cost (see <see cref="SearchQuery.Parse"/>).</summary>
    public SearchQuery Parse(string queryText, SearchOptions options) => SearchQuery.Parse(queryText, analyzer, TextField, options);

    /// <summary>
    /// The best chunk of each matching document that <paramref name="include"/> accepts, best first.
    /// Stops with <see cref="OperationCanceledException"/> soon after <paramref name="cancellationToken"/>
    /// is cancelled: between the expansion of fuzzy and prefix terms and the matching, every
    /// <see cref="CheckEvery"/> matches, and between snippets.
    /// </summary>
    /// <returns>The number of matching documents and the top <paramref name="top"/> of them, with snippets.</returns>
    public (int TotalHits, List<ChunkHit> Hits) Search(SearchQuery search, int top, Func<string, bool> include, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(include);
        cancellationToken.ThrowIfCancellationRequested();
        if (search.Query is not { } query)
        {
            return (0, []);
        }

        searchers.MaybeRefresh();
        var searcher = searchers.Acquire();
        try
        {
            // Expands fuzzy and prefix terms into the words they match, the part that cannot be stopped midway.
            var rewritten = searcher.Rewrite(query);
            cancellationToken.ThrowIfCancellationRequested();
            var collector = new BestChunkPerDocumentCollector(cancellationToken);
            searcher.Search(rewritten, collector);
            var ranked = collector.Best
                .Where(pair => include(pair.Key))
                .Select(pair => (DocumentId: pair.Key, pair.Value.Score, pair.Value.Doc))
                .OrderByDescending(h => h.Score)
                .ThenBy(h => h.DocumentId, StringComparer.Ordinal)
                .ToList();

            // The fragmenter reads the scorer's state: they must be the same instance.
            var scorer = new QueryScorer(query, TextField);
            var highlighter = new Highlighter(new SimpleHTMLFormatter("<mark>", "</mark>"), new SimpleHTMLEncoder(), scorer)
            {
                TextFragmenter = new SimpleSpanFragmenter(scorer, SnippetChars),
            };
            var hits = new List<ChunkHit>(Math.Min(top, ranked.Count));
            foreach (var (documentId, score, doc) in ranked.Take(top))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stored = searcher.Doc(doc);
                var text = stored.Get(TextField) ?? "";
                hits.Add(new ChunkHit(documentId, stored.Get(NameField) ?? "", Snippet(highlighter, text), score));
            }
            return (ranked.Count, hits);
        }
        finally
        {
            searchers.Release(searcher);
        }
    }

    private string Snippet(Highlighter highlighter, string text)
    {
        using var tokens = analyzer.GetTokenStream(TextField, text);
        var fragment = highlighter.GetBestFragments(tokens, text, 1, " … ");
        if (!string.IsNullOrEmpty(fragment))
        {
            // A fragment may begin just after a sentence's end: start it at its first word.
            return fragment.TrimStart(' ', '.', ',', ';', ':', '!', '?', ')', '\n', '\r', '\t').TrimEnd();
        }
        var head = text.Length <= SnippetChars ? text : text[..SnippetChars] + "…";
        return System.Net.WebUtility.HtmlEncode(head);
    }

    /// <summary>Closes the index, dropping what was not committed (as a crash would).</summary>
    public void Dispose()
    {
        searchers.Dispose();
        writer.Rollback();
        analyzer.Dispose();
        directory.Dispose();
    }

    private sealed class Bm25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) => new(reader) { Similarity = new BM25Similarity() };
    }

    /// <summary>Keeps, per documentId, the best-scoring chunk: the collapse of chunks to documents.</summary>
    private sealed class BestChunkPerDocumentCollector(CancellationToken cancellationToken) : ICollector
    {
        private readonly BytesRef scratch = new();
        private int collected;
        private Scorer? scorer;
        private SortedDocValues? ids;
        private int docBase;

        public Dictionary<string, (float Score, int Doc)> Best { get; } = new(StringComparer.Ordinal);

        public bool AcceptsDocsOutOfOrder => true;

        public void SetScorer(Scorer scorer) => this.scorer = scorer;

        public void SetNextReader(AtomicReaderContext context)
        {
            docBase = context.DocBase;
            ids = context.AtomicReader.GetSortedDocValues(IdValuesField);
        }

        public void Collect(int doc)
        {
            // As Lucene's TimeLimitingCollector does, but for cancellation too and on the TimeProvider's clock.
            if (++collected % CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (ids is null || scorer is null || ids.GetOrd(doc) < 0)
            {
                return;
            }
            ids.Get(doc, scratch);
            var id = scratch.Utf8ToString();
            var score = scorer.GetScore();
            if (!Best.TryGetValue(id, out var best) || score > best.Score)
            {
                Best[id] = (score, docBase + doc);
            }
        }
    }
}
