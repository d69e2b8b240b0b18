using Npgsql;

namespace ConnectorHealth.PipelineBench;

// What the bench reads from the system's database: runs stored by each consuming service, and each schema's size.
internal sealed class BenchDatabase(NpgsqlDataSource source)
{
    // Each consuming service's schema; each stores every run once in <schema>.runs.
    public static readonly string[] Schemas = ["metrics", "drift", "alerting"];

    private static readonly string CountSql =
        "SELECT " + string.Join(", ", Schemas.Select(s => $"(SELECT count(*) FROM {s}.runs WHERE connector = ANY($1))"));

    public async Task<long[]> LandedAsync(IReadOnlyList<string> connectors, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand(CountSql);
        command.Parameters.AddWithValue(connectors.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return [.. Schemas.Select((_, i) => reader.GetInt64(i))];
    }

    // How many of these run ids metrics.runs holds.
    public async Task<long> FoundInMetricsAsync(IReadOnlyList<string> connectors, IReadOnlyList<Guid> runIds)
    {
        await using var command = source.CreateCommand("SELECT count(*) FROM metrics.runs WHERE connector = ANY($1) AND run_id = ANY($2)");
        command.Parameters.AddWithValue(connectors.ToArray());
        command.Parameters.AddWithValue(runIds.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // Per schema: the bytes of its tables with their indexes and TOAST (partitions counted as the tables they are), and
    // the rows of its runs table.
    public async Task<Dictionary<string, SchemaSize>> SizesAsync()
    {
        var sizes = new Dictionary<string, SchemaSize>();
        foreach (var schema in Schemas)
        {
            await using var command = source.CreateCommand(
                $"""
                SELECT (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
                          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')),
                       (SELECT count(*) FROM {schema}.runs)
                """);
            command.Parameters.AddWithValue(schema);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            sizes[schema] = new SchemaSize(reader.GetInt64(0), reader.GetInt64(1));
        }
        return sizes;
    }

    // The database's cumulative statistics (flushed by each backend at least once a second): transactions and rows
    // touched, for the whole database and per table.
    public async Task<DatabaseActivity> ActivityAsync()
    {
        await using var batch = source.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_read, blks_hit
              FROM pg_stat_database WHERE datname = current_database()
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del, seq_scan, seq_tup_read, coalesce(idx_scan, 0) FROM pg_stat_user_tables"));
        await using var reader = await batch.ExecuteReaderAsync();
        await reader.ReadAsync();
        long[] totals = [.. Enumerable.Range(0, 8).Select(reader.GetInt64)];
        await reader.NextResultAsync();
        var tables = new Dictionary<string, TableActivity>();
        while (await reader.ReadAsync())
        {
            tables[reader.GetString(0)] = new TableActivity(
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
        }
        return new DatabaseActivity(totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6], totals[7], tables);
    }

    public async Task<string> ServerVersionAsync() =>
        (string)(await source.CreateCommand("SHOW server_version").ExecuteScalarAsync())!;
}

internal sealed record SchemaSize(long Bytes, long Runs);

internal sealed record DatabaseActivity(
    long Commits,
    long RowsReturned,
    long RowsFetched,
    long RowsInserted,
    long RowsUpdated,
    long RowsDeleted,
    long BlocksRead,
    long BlocksHit,
    IReadOnlyDictionary<string, TableActivity> Tables);

internal sealed record TableActivity(long Inserted, long Updated, long Deleted, long SeqScans, long SeqRowsRead, long IndexScans)
{
    public long Written => Inserted + Updated + Deleted;
}
