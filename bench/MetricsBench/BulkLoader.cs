using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.MetricsBench;

// Loads generated runs into the service's own tables (ledger, runs, attempts) with binary COPY, one stream per table,
// so PostgreSQL works on the three in parallel while this process generates.
internal static class BulkLoader
{
    public static async Task<long> LoadAsync(NpgsqlDataSource dataSource, IEnumerable<GeneratedRun> runs, int expected, Action<string> progress)
    {
        await using var ledgerConnection = await dataSource.OpenConnectionAsync();
        await using var runConnection = await dataSource.OpenConnectionAsync();
        await using var attemptConnection = await dataSource.OpenConnectionAsync();
        long attemptsWritten = 0;
        var clock = Stopwatch.StartNew();

        await using (var ledger = await ledgerConnection.BeginBinaryImportAsync(
            "COPY metrics.run_ids (run_id, started_at) FROM STDIN (FORMAT BINARY)"))
        await using (var runRows = await runConnection.BeginBinaryImportAsync(
            """
            COPY metrics.runs (run_id, connector, source, status, started_at, finished_at, latency_ms, attempts, rate_limited,
                               error_type, error_message, trace_id, payload_bytes, payload_truncated, expected_interval, received_at)
            FROM STDIN (FORMAT BINARY)
            """))
        await using (var attemptRows = await attemptConnection.BeginBinaryImportAsync(
            """
            COPY metrics.attempts (run_id, run_started_at, number, started_at, duration_ms, outcome, http_status, error_type,
                                   error_message, retry_after_ms, backoff_ms)
            FROM STDIN (FORMAT BINARY)
            """))
        {
            var count = 0;
            foreach (var run in runs)
            {
                ledger.StartRow();
                ledger.Write(run.RunId, NpgsqlDbType.Uuid);
                ledger.Write(run.StartedAt, NpgsqlDbType.TimestampTz);

                runRows.StartRow();
                runRows.Write(run.RunId, NpgsqlDbType.Uuid);
                runRows.Write(run.Connector, NpgsqlDbType.Text);
                runRows.Write(run.Source, NpgsqlDbType.Text);
                runRows.Write(run.Succeeded ? "succeeded" : "failed", NpgsqlDbType.Text);
                runRows.Write(run.StartedAt, NpgsqlDbType.TimestampTz);
                runRows.Write(run.FinishedAt, NpgsqlDbType.TimestampTz);
                runRows.Write(run.LatencyMs, NpgsqlDbType.Double);
                runRows.Write(run.Attempts.Length, NpgsqlDbType.Integer);
                runRows.Write(run.RateLimited, NpgsqlDbType.Boolean);
                WriteNullable(runRows, run.ErrorType);
                WriteNullable(runRows, run.ErrorMessage);
                runRows.Write(run.TraceId, NpgsqlDbType.Text);
                runRows.Write(run.PayloadBytes, NpgsqlDbType.Bigint);
                runRows.Write(false, NpgsqlDbType.Boolean);
                if (run.ExpectedInterval is { } interval)
                {
                    runRows.Write(interval, NpgsqlDbType.Interval);
                }
                else
                {
                    runRows.WriteNull();
                }
                runRows.Write(run.FinishedAt, NpgsqlDbType.TimestampTz);

                foreach (var attempt in run.Attempts)
                {
                    attemptRows.StartRow();
                    attemptRows.Write(run.RunId, NpgsqlDbType.Uuid);
                    attemptRows.Write(run.StartedAt, NpgsqlDbType.TimestampTz);
                    attemptRows.Write(attempt.Number, NpgsqlDbType.Integer);
                    attemptRows.Write(attempt.StartedAt, NpgsqlDbType.TimestampTz);
                    attemptRows.Write(attempt.DurationMs, NpgsqlDbType.Double);
                    attemptRows.Write(attempt.Outcome, NpgsqlDbType.Text);
                    attemptRows.Write(attempt.HttpStatus, NpgsqlDbType.Integer);
                    WriteNullable(attemptRows, attempt.ErrorType);
                    WriteNullable(attemptRows, attempt.ErrorMessage);
                    WriteNullable(attemptRows, attempt.RetryAfterMs);
                    WriteNullable(attemptRows, attempt.BackoffMs);
                    attemptsWritten++;
                }

                if (++count % 1_000_000 == 0)
                {
                    progress($"  {count:N0} / {expected:N0} runs copied ({count / clock.Elapsed.TotalSeconds:N0} runs/s)");
                }
            }

            await ledger.CompleteAsync();
            await runRows.CompleteAsync();
            await attemptRows.CompleteAsync();
        }
        return attemptsWritten;
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, double? value)
    {
        if (value is { } number)
        {
            importer.Write(number, NpgsqlDbType.Double);
        }
        else
        {
            importer.WriteNull();
        }
    }
}
