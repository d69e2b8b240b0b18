using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>An output dataset's latest writes by one job, oldest first.</summary>
internal sealed record DatasetWrites(string Key, string Namespace, string Name, List<VolumePoint> Writes);

/// <summary>What the quality, volume and stuck_run rules read about one connector (an OpenLineage job).</summary>
internal sealed class LineageFacts
{
    public List<AssertionResult> Assertions { get; } = [];
    public Dictionary<string, DatasetWrites> Volumes { get; } = new(StringComparer.Ordinal);
    public List<RunningRun> Running { get; } = [];

    /// <summary>The latest successful runs' durations, newest first.</summary>
    public List<TimeSpan> SuccessfulDurations { get; } = [];
}

/// <summary>Reads <see cref="LineageFacts"/> for many connectors in one round trip.</summary>
internal static class LineageFactsReader
{
    public static async Task<Dictionary<string, LineageFacts>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, Dictionary<string, RuleThresholds> thresholds,
        CancellationToken cancellationToken)
    {
        var facts = connectors.ToDictionary(c => c, _ => new LineageFacts(), StringComparer.Ordinal);
        var writes = connectors.Select(c => thresholds[c].VolumeBaselineRuns + 1).ToArray();
        var durations = connectors.Select(c => thresholds[c].StuckRunBaselineRuns).ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            SELECT connector, dataset_key, dataset_namespace, dataset_name, assertion, column_name, run_id, finished_at, success
            FROM alerting.assertion_results WHERE connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT connector, dataset_key, dataset_namespace, dataset_name, run_id, finished_at, row_count FROM (
                SELECT v.*, row_number() OVER (PARTITION BY v.connector, v.dataset_key ORDER BY v.finished_at DESC, v.run_id DESC) AS n, k.keep
                FROM unnest($1::text[], $2::integer[]) AS k(c, keep) JOIN alerting.output_volumes v ON v.connector = k.c
            ) latest
            WHERE n <= keep
            ORDER BY connector, dataset_key, finished_at, run_id
            """, Column(connectors, NpgsqlDbType.Text), Column(writes, NpgsqlDbType.Integer)));
        batch.BatchCommands.Add(Command(
            """
            SELECT p.connector, p.run_id, p.started_at, p.updated_at, p.streaming, p.job_namespace, p.job_name,
                   array(SELECT e.updated_at FROM alerting.progress_events e WHERE e.run_id = p.run_id ORDER BY e.updated_at)
            FROM alerting.runs_in_progress p WHERE p.connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT k.c, r.duration FROM unnest($1::text[], $2::integer[]) AS k(c, n)
            JOIN LATERAL (
                SELECT finished_at - started_at AS duration FROM alerting.runs
                WHERE connector = k.c AND status = 'succeeded' AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT k.n
            ) r ON true
            -- Durations only judge runs in progress (stuck_run): a connector with none needs none read.
            WHERE EXISTS (SELECT 1 FROM alerting.runs_in_progress p WHERE p.connector = k.c)
            """, Column(connectors, NpgsqlDbType.Text), Column(durations, NpgsqlDbType.Integer)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts[reader.GetString(0)].Assertions.Add(new AssertionResult(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetGuid(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetBoolean(8)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var volumes = facts[reader.GetString(0)].Volumes;
            var key = reader.GetString(1);
            if (!volumes.TryGetValue(key, out var dataset))
            {
                volumes[key] = dataset = new DatasetWrites(key, reader.GetString(2), reader.GetString(3), []);
            }
            dataset.Writes.Add(new VolumePoint(reader.GetGuid(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts[reader.GetString(0)].Running.Add(new RunningRun(
                reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4),
                reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset[]>(7)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts[reader.GetString(0)].SuccessfulDurations.Add(reader.GetFieldValue<TimeSpan>(1));
        }
        return facts;
    }
}
