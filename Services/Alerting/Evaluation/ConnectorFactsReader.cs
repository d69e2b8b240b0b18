using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Contracts;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.Alerting.Evaluation.MinuteBuckets;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Reads what the rules judge, for many connectors in one round trip: the connector row, the failure streak, the run
/// counts of every burn-rate window and the rate-limit window, and the recent successful runs.
/// </summary>
internal static class ConnectorFactsReader
{
    // A streak this long is down by any threshold; reading further back only costs.
    private const int MaxStreakRuns = 1000;

    public static async Task<Dictionary<string, ConnectorFacts>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, Dictionary<string, RuleThresholds> thresholds,
        IReadOnlyDictionary<string, IReadOnlyList<RunCompleted>> freshRuns, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var facts = connectors.ToDictionary(c => c, c => new ConnectorFacts(), StringComparer.Ordinal);
        var rateLimitWindowStarts = connectors.Select(c => MinuteOf(now - thresholds[c].RateLimitWindow)).ToArray();
        // The baseline, the fresh runs judged against it, and the latest run for when none is fresh.
        var successesToRead = connectors
            .Select(c => thresholds[c].LatencyBaselineRuns + thresholds[c].LatencySlowRuns + (freshRuns.GetValueOrDefault(c)?.Count ?? 0) + 1).ToArray();

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(ConnectorRows.Select(connectors));
        batch.BatchCommands.Add(FailureStreakRows.Select(connectors));
        batch.BatchCommands.Add(WindowCountRows.Select(connectors, rateLimitWindowStarts, now));
        batch.BatchCommands.Add(SuccessRows.Select(connectors, successesToRead));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ConnectorRows.Read(reader, facts[reader.GetString(0)]);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            FailureStreakRows.Read(reader, facts[reader.GetString(0)]);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            WindowCountRows.Read(reader, facts[reader.GetString(0)]);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            SuccessRows.Read(reader, facts[reader.GetString(0)]);
        }
        foreach (var connectorFacts in facts.Values)
        {
            connectorFacts.RecentSuccesses.Sort((a, b) => a.FinishedAt.CompareTo(b.FinishedAt));
        }
        return facts;
    }

    // Every query's first column is the connector.
    private static class ConnectorRows
    {
        private const int FirstSeenAt = 1, LastSuccessAt = 2, ExpectedInterval = 3;

        public static NpgsqlBatchCommand Select(string[] connectors) => Command(
            "SELECT connector, first_seen_at, last_success_at, expected_interval FROM alerting.connectors WHERE connector = ANY($1)",
            Column(connectors, NpgsqlDbType.Text));

        public static void Read(NpgsqlDataReader reader, ConnectorFacts facts)
        {
            facts.FirstSeenAt = reader.GetFieldValue<DateTimeOffset>(FirstSeenAt);
            facts.LastSuccessAt = reader.IsDBNull(LastSuccessAt) ? null : reader.GetFieldValue<DateTimeOffset>(LastSuccessAt);
            facts.ExpectedInterval = reader.IsDBNull(ExpectedInterval) ? null : reader.GetFieldValue<TimeSpan>(ExpectedInterval);
        }
    }

    private static class FailureStreakRows
    {
        private const int RunId = 1, FinishedAt = 2, ErrorType = 3, ErrorMessage = 4;

        // The failed runs since the last success, newest first.
        public static NpgsqlBatchCommand Select(string[] connectors) => Command(
            $"""
            SELECT c.connector, r.run_id, r.finished_at, r.error_type, r.error_message
            FROM alerting.connectors c
            JOIN LATERAL (
                SELECT run_id, finished_at, error_type, error_message FROM alerting.runs r
                WHERE r.connector = c.connector AND r.status = 'failed' AND r.finished_at > coalesce(c.last_success_at, '-infinity')
                ORDER BY r.finished_at DESC LIMIT {MaxStreakRuns}
            ) r ON true
            WHERE c.connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text));

        public static void Read(NpgsqlDataReader reader, ConnectorFacts facts)
        {
            if (facts.FailureStreak.Count == 0)
            {
                facts.LastErrorType = reader.IsDBNull(ErrorType) ? null : reader.GetString(ErrorType);
                facts.LastErrorMessage = reader.IsDBNull(ErrorMessage) ? null : reader.GetString(ErrorMessage);
            }
            facts.FailureStreak.Add(new FailedRun(reader.GetGuid(RunId), reader.GetFieldValue<DateTimeOffset>(FinishedAt)));
        }
    }

    private static class WindowCountRows
    {
        // Runs and failed runs of each burn-rate window, then runs and rate-limited runs of the connector's rate-limit window.
        private const int FiveMinutesTotal = 1, FiveMinutesFailed = 2;
        private const int ThirtyMinutesTotal = 3, ThirtyMinutesFailed = 4;
        private const int OneHourTotal = 5, OneHourFailed = 6;
        private const int SixHoursTotal = 7, SixHoursFailed = 8;
        private const int ThreeDaysTotal = 9, ThreeDaysFailed = 10;
        private const int RateLimitWindowTotal = 11, RateLimitWindowRateLimited = 12;

        public static NpgsqlBatchCommand Select(string[] connectors, DateTimeOffset[] rateLimitWindowStarts, DateTimeOffset now) => Command(
            """
            SELECT k.c,
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $2), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $2), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $3), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $3), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $4), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $4), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $5), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $5), 0),
                   coalesce(sum(m.total), 0), coalesce(sum(m.failed), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= k.rate_start), 0),
                   coalesce(sum(m.rate_limited) FILTER (WHERE m.minute >= k.rate_start), 0)
            FROM unnest($1::text[], $7::timestamptz[]) AS k(c, rate_start)
            LEFT JOIN alerting.connector_minutes m ON m.connector = k.c AND m.minute >= least($6, k.rate_start)
            GROUP BY k.c
            """,
            Column(connectors, NpgsqlDbType.Text),
            Instant(MinuteOf(now - TimeSpan.FromMinutes(5))), Instant(MinuteOf(now - TimeSpan.FromMinutes(30))),
            Instant(MinuteOf(now - TimeSpan.FromHours(1))), Instant(MinuteOf(now - TimeSpan.FromHours(6))),
            Instant(MinuteOf(now - TimeSpan.FromDays(3))), Column(rateLimitWindowStarts, NpgsqlDbType.TimestampTz));

        public static void Read(NpgsqlDataReader reader, ConnectorFacts facts)
        {
            WindowCounts RunsAndFailures(int totalColumn, int failedColumn) =>
                new(reader.GetInt64(totalColumn), reader.GetInt64(failedColumn), RateLimited: 0);
            facts.SloWindows = new SloWindows(
                RunsAndFailures(FiveMinutesTotal, FiveMinutesFailed),
                RunsAndFailures(ThirtyMinutesTotal, ThirtyMinutesFailed),
                RunsAndFailures(OneHourTotal, OneHourFailed),
                RunsAndFailures(SixHoursTotal, SixHoursFailed),
                RunsAndFailures(ThreeDaysTotal, ThreeDaysFailed));
            facts.RateLimitWindow = new WindowCounts(
                reader.GetInt64(RateLimitWindowTotal), Failed: 0, reader.GetInt64(RateLimitWindowRateLimited));
        }
    }

    private static class SuccessRows
    {
        private const int RunId = 1, FinishedAt = 2, ServedMs = 3;

        public static NpgsqlBatchCommand Select(string[] connectors, int[] successesToRead) => Command(
            """
            SELECT k.c, r.run_id, r.finished_at, r.served_ms
            FROM unnest($1::text[], $2::integer[]) AS k(c, n)
            JOIN LATERAL (
                SELECT run_id, finished_at, coalesce(served_ms, latency_ms) AS served_ms FROM alerting.runs
                WHERE connector = k.c AND status = 'succeeded' ORDER BY finished_at DESC LIMIT k.n
            ) r ON true
            """, Column(connectors, NpgsqlDbType.Text), Column(successesToRead, NpgsqlDbType.Integer));

        public static void Read(NpgsqlDataReader reader, ConnectorFacts facts) =>
            facts.RecentSuccesses.Add(new SuccessfulRun(
                reader.GetGuid(RunId), reader.GetFieldValue<DateTimeOffset>(FinishedAt), reader.GetDouble(ServedMs)));
    }
}
