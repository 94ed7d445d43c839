using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Storage;

/// <summary>Where the server keeps its data.</summary>
public sealed class StorageOptions
{
    /// <summary>The data folder: SQLite file, uploaded documents and the search index (default: "./data"; configuration key <c>DataPath</c>).</summary>
    public string DataPath { get; set; } = "./data";
}

/// <summary>
/// The SQLite database under the data folder (tasks, documents, searches). Each call opens a
/// pooled connection of its own, so callers on any thread may use it at once; WAL keeps readers
/// off writers' backs.
/// </summary>
public sealed class AgentDatabase
{
    private readonly string connectionString;

    public AgentDatabase(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DataPath = Path.GetFullPath(options.Value.DataPath);
        Directory.CreateDirectory(DataPath);
        DocumentsPath = Path.Combine(DataPath, "documents");
        Directory.CreateDirectory(DocumentsPath);
        IndexPath = Path.Combine(DataPath, "index");
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataPath, "agentpulse.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString();
        CreateSchema();
    }

    /// <summary>The data folder, absolute.</summary>
    public string DataPath { get; }

    /// <summary>Where uploaded files are kept, under names the server makes.</summary>
    public string DocumentsPath { get; }

    /// <summary>The Lucene index folder.</summary>
    public string IndexPath { get; }

    /// <summary>Runs one statement with named parameters (<c>null</c> is stored as NULL).</summary>
    /// <returns>The number of rows changed.</returns>
    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command.ExecuteNonQuery();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private void CreateSchema()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS tasks (
                task_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                agent TEXT NOT NULL,
                resource_id TEXT,
                owner TEXT,
                status TEXT NOT NULL,
                progress REAL NOT NULL,
                stage TEXT,
                message TEXT,
                started_at INTEGER NOT NULL,
                finished_at INTEGER,
                error_code TEXT,
                error_message TEXT);
            CREATE INDEX IF NOT EXISTS tasks_started ON tasks (started_at);
            CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);
            CREATE TABLE IF NOT EXISTS documents (
                document_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                stored_name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size_bytes INTEGER NOT NULL,
                status TEXT NOT NULL,
                chunk_count INTEGER NOT NULL,
                task_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                indexed_at INTEGER,
                error_code TEXT,
                error_message TEXT,
                owner TEXT);
            CREATE TABLE IF NOT EXISTS searches (
                search_id TEXT PRIMARY KEY,
                query TEXT NOT NULL,
                top INTEGER NOT NULL,
                task_id TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                result_json TEXT,
                error_code TEXT,
                error_message TEXT,
                owner TEXT);
            """;
        command.ExecuteNonQuery();
        // Databases made before per-user scoping: their rows stay public (owner NULL).
        AddColumnIfMissing(connection, "documents", "owner", "TEXT");
        AddColumnIfMissing(connection, "searches", "owner", "TEXT");
    }

    private static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var info = connection.CreateCommand();
        info.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if (Convert.ToInt64(info.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var alter = connection.CreateCommand();
            alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {type}";
            alter.ExecuteNonQuery();
        }
    }

    /// <summary>The SQL condition that keeps the rows <c>$viewer</c> may see: all when <c>$all</c> is 1, else public ones and its own.</summary>
    internal const string VisibleTo = "($all = 1 OR owner IS NULL OR owner = $viewer)";

    /// <summary>The parameters of <see cref="VisibleTo"/> for <paramref name="viewer"/>.</summary>
    internal static void AddViewer(SqliteCommand command, Identity.Viewer viewer)
    {
        command.Parameters.AddWithValue("$all", viewer.SeesAll ? 1 : 0);
        command.Parameters.AddWithValue("$viewer", (object?)viewer.UserId ?? DBNull.Value);
    }

    internal static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    internal static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>A status as its text column holds it: its name on the wire (<c>indexed</c>), so the two never differ.</summary>
    internal static string ToText<T>(T value, JsonTypeInfo<T> wire) where T : struct, Enum =>
        JsonSerializer.SerializeToElement(value, wire).GetString()!;

    /// <summary>The status a text column holds (see <see cref="ToText"/>).</summary>
    /// <exception cref="JsonException">The text is not a name of <typeparamref name="T"/>.</exception>
    internal static T FromText<T>(string text, JsonTypeInfo<T> wire) where T : struct, Enum =>
        JsonSerializer.Deserialize($"\"{JsonEncodedText.Encode(text)}\"", wire);
}
