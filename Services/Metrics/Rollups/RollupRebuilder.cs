using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Rollups;

// Recomputes the rollups and the connector state from the stored runs with the same fold SQL ingest uses: for bulk
// loads (runs copied in without rollups) and for repair.
public sealed class RollupRebuilder(NpgsqlDataSource dataSource)
{
    // Waits for batches being written and holds new ones off until the rebuild commits.
    private const string HoldWritersOff = "LOCK TABLE metrics.run_ids IN SHARE MODE";

    // Recomputes the rollups of the UTC days [from, to). Days whose raw runs
    // retention has dropped would be emptied, so only rebuild days that still have their runs.
    public async Task RebuildRollupsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        // Every rollup counts a run in the hour and day it ended, so the days [from, to) hold the runs that ended in them.
        const string endedIn = RollupSql.EndedInRange;
        const string days = "day >= ($1 AT TIME ZONE 'UTC')::date AND day < ($2 AT TIME ZONE 'UTC')::date";

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new NpgsqlBatchCommand(HoldWritersOff) } };
        foreach (var sql in new[]
        {
            "DELETE FROM metrics.rollup_hourly WHERE hour >= $1 AND hour < $2",
            $"DELETE FROM metrics.rollup_daily WHERE {days}",
            $"DELETE FROM metrics.failures_daily WHERE {days}",
            $"DELETE FROM metrics.rollup_daily_by_end WHERE {days}",
            $"DELETE FROM metrics.dataset_writes_daily WHERE {days}",
            RollupSql.FoldHourly(endedIn),
            RollupSql.FoldDaily(endedIn),
            RollupSql.FoldFailures(endedIn),
            RollupSql.FoldDailyByEnd(endedIn),
            // Dataset volumes by day; each dataset's latest write only moves forward, so folding the runs again is safe.
            DatasetSql.FoldWrites(DatasetSql.OutputsEndedInRange),
            DatasetSql.FoldLatest(DatasetSql.OutputsEndedInRange),
            """
            INSERT INTO metrics.rollup_day_versions AS v (day, version)
            SELECT day::date, 1 FROM generate_series(($1 AT TIME ZONE 'UTC')::date, ($2 AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS day
            ON CONFLICT (day) DO UPDATE SET version = v.version + 1
            """,
        })
        {
            batch.BatchCommands.Add(RangeCommand(sql, Midnight(from), Midnight(to)));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // Recomputes every connector's state: empties it and folds the stored runs into it a month at a time.
    public async Task RebuildConnectorStateAsync(CancellationToken cancellationToken)
    {
        const string monthOfRuns =
            $"(SELECT {ConnectorStateSql.SourceColumns} FROM metrics.runs WHERE started_at >= $1 AND started_at < $2) AS r";

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var reset = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands = { new NpgsqlBatchCommand(HoldWritersOff), new NpgsqlBatchCommand("DELETE FROM metrics.connector_state") },
        })
        {
            await reset.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var range = new NpgsqlCommand("SELECT min(started_at), max(started_at) FROM metrics.runs", connection, transaction);
        DateTimeOffset? first = null, last = null;
        await using (var reader = await range.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                first = reader.GetFieldValue<DateTimeOffset>(0);
                last = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }
        if (first is { } start && last is { } end)
        {
            for (var month = new DateOnly(start.Year, start.Month, 1); Midnight(month) <= end; month = month.AddMonths(1))
            {
                await using var fold = new NpgsqlBatch(connection, transaction)
                {
                    BatchCommands = { RangeCommand(ConnectorStateSql.Fold(monthOfRuns), Midnight(month), Midnight(month.AddMonths(1))) },
                };
                await fold.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static NpgsqlBatchCommand RangeCommand(string sql, DateTimeOffset start, DateTimeOffset end) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = start, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new NpgsqlParameter { Value = end, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        },
    };
}
