using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;

namespace ConnectorHealth.ScaleBench;

// A connector's row of runner.connector_slots: the next slot no replica has taken, and the slot under way, if any.
internal sealed record SlotRow(string Connector, DateTimeOffset NextSlot, string Schedule, DateTimeOffset? RunningDue, Guid? RunningId, DateTimeOffset CreatedAt);

// The bench's connectors' schedule at one moment (the database's clock).
internal sealed record SlotSnapshot(DateTimeOffset At, IReadOnlyList<SlotRow> Slots);

// A scheduled run as the Metrics service stored it (metrics.runs).
internal sealed record StoredRun(Guid RunId, string Connector, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Status);

// One table's size with its indexes and TOAST (a partitioned table counted with its partitions) and its rows.
internal sealed record TableSize(string Schema, string Table, long Bytes, long Rows);

// Connections to PostgreSQL at one moment: per application name (each runner replica's lock sessions counted together as
// runner-locks), and the server's limit.
internal sealed record ConnectionCount(DateTimeOffset At, int Limit, IReadOnlyDictionary<string, int> ByApplication)
{
    public int Total => ByApplication.Values.Sum();
}

// What the scale bench reads from the system's database: the shared schedule, the runs, the tables' sizes. Each read is
// tried again while the failure is one waiting cures (the server refusing connections when every slot is taken, among
// them); those refusals are counted, since the system's services meet them too.
internal sealed class ScaleDatabase
{
    private const string Like = ScaleBenchOptions.Prefix + "%";

    private readonly NpgsqlDataSource _source;
    private readonly ResiliencePipeline _retry;
    private int _refused;

    public ScaleDatabase(NpgsqlDataSource dataSource)
    {
        _source = dataSource;
        _retry = Retries.While(
            e =>
            {
                var transient = TransientFailures.IsTransient(e);
                if (transient)
                {
                    Interlocked.Increment(ref _refused);
                }
                return transient;
            },
            "A read of the scale bench", NullLogger.Instance, TimeProvider.System, maxAttempts: 60, maxDelay: TimeSpan.FromSeconds(5));
    }

    /// <summary>Reads of the bench's that failed for a reason waiting cures (e.g. too many clients) and were tried again.</summary>
    public int RetriedReads => _refused;

    public async Task<ConnectionCount> ConnectionsAsync(CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            """
            SELECT current_setting('max_connections')::int,
                   CASE WHEN application_name LIKE 'runner-locks-%' THEN 'runner-locks' WHEN application_name = '' THEN '(none)' ELSE application_name END,
                   count(*)::int
              FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 2
            """);
        await using var reader = await command.ExecuteReaderAsync(token);
        var (limit, counts) = (0, new Dictionary<string, int>());
        while (await reader.ReadAsync(token))
        {
            limit = reader.GetInt32(0);
            counts[reader.GetString(1)] = counts.GetValueOrDefault(reader.GetString(1)) + reader.GetInt32(2);
        }
        return new ConnectionCount(DateTimeOffset.UtcNow, limit, counts);
    }, cancellationToken);

    // underWayOnly: only the slots under way (a quick read, taken just before a kill).
    public async Task<SlotSnapshot> SlotsAsync(bool underWayOnly = false, CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        // One statement: now() and every row are of the same snapshot.
        await using var command = _source.CreateCommand(
            $"""
            SELECT now(), s.connector, s.next_slot, s.schedule, s.running_due, s.running_id, c.created_at
              FROM runner.connector_slots s JOIN runner.connectors c ON c.name = s.connector
             WHERE s.connector LIKE $1{(underWayOnly ? " AND s.running_id IS NOT NULL" : "")}
            """);
        command.Parameters.AddWithValue(Like);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SlotRow>();
        var at = DateTimeOffset.UtcNow;
        while (await reader.ReadAsync(cancellationToken))
        {
            at = reader.GetFieldValue<DateTimeOffset>(0);
            rows.Add(new SlotRow(
                reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetGuid(5),
                reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return new SlotSnapshot(at, rows);
    }, cancellationToken);

    public async Task<IReadOnlyList<StoredRun>> ScheduledRunsAsync(CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            "SELECT run_id, connector, started_at, finished_at, status FROM metrics.runs WHERE source = 'scheduled' AND connector LIKE $1");
        command.Parameters.AddWithValue(Like);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<StoredRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new StoredRun(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
        }
        return runs;
    }, cancellationToken);

    // Runs of the bench's connectors in metrics.runs (every source), and the runner's publish backlog.
    public async Task<(long Runs, long Pending)> ProgressAsync(CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            "SELECT (SELECT count(*) FROM metrics.runs WHERE connector LIKE $1), (SELECT count(*) FROM runner.pending_runs)");
        command.Parameters.AddWithValue(Like);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }, cancellationToken);

    // The runner's lock sessions (named runner-locks-<replica>) among the sessions opened from these client ports.
    public async Task<IReadOnlyList<string>> LockSessionsAsync(IReadOnlyCollection<int> clientPorts, CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE client_port = ANY($1) AND application_name LIKE 'runner-locks-%'");
        command.Parameters.AddWithValue(clientPorts.ToArray());
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }, cancellationToken);

    // The 64-bit keys of the advisory locks (a connector's, held while its slot runs) granted to the sessions of these names.
    // PostgreSQL shows a bigint key as its high half in classid and its low half in objid, with objsubid 1.
    public async Task<HashSet<long>> LockKeysAsync(IReadOnlyCollection<string> applicationNames, CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            """
            SELECT (l.classid::bigint << 32) | l.objid::bigint
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.application_name = ANY($1)
            """);
        command.Parameters.AddWithValue(applicationNames.ToArray());
        var keys = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetInt64(0));
        }
        return keys;
    }, cancellationToken);

    // The sessions of these names still open: pid, state, what they wait for, since when, and their last query.
    public async Task<IReadOnlyList<string>> SessionsAsync(IReadOnlyCollection<string> applicationNames, CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        await using var command = _source.CreateCommand(
            """
            SELECT format('pid %s %s, state %s since %s, wait %s/%s, query: %s', pid, application_name, state,
                          to_char(state_change AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), wait_event_type, wait_event, left(query, 120))
              FROM pg_stat_activity WHERE application_name = ANY($1)
            """);
        command.Parameters.AddWithValue(applicationNames.ToArray());
        var sessions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(reader.GetString(0));
        }
        return sessions;
    }, cancellationToken);

    // Every table of the services' schemas, partitions folded into the table they partition, largest first within a schema;
    // rows counted exactly.
    public async Task<IReadOnlyList<TableSize>> TablesAsync(CancellationToken cancellationToken = default) => await _retry.ExecuteAsync(async token =>
    {
        var sizes = new List<(string Schema, string Table, long Bytes)>();
        await using (var command = _source.CreateCommand(
            """
            SELECT rn.nspname, r.relname, sum(pg_total_relation_size(c.oid))::bigint
              FROM pg_class c
              JOIN pg_class r ON r.oid = coalesce(pg_partition_root(c.oid), c.oid)
              JOIN pg_namespace rn ON rn.oid = r.relnamespace
             WHERE c.relkind IN ('r', 'm') AND rn.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             GROUP BY 1, 2
             ORDER BY 1, 3 DESC
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sizes.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }
        var tables = new List<TableSize>();
        foreach (var (schema, table, bytes) in sizes)
        {
            await using var count = _source.CreateCommand($"SELECT count(*) FROM {Quote(schema)}.{Quote(table)}");
            tables.Add(new TableSize(schema, table, bytes, (long)(await count.ExecuteScalarAsync(cancellationToken))!));
        }
        return tables;
    }, cancellationToken);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
