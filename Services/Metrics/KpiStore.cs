using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics;

/// <summary>KPIs of one connector on one UTC day. Rates are 0–1; latencies in milliseconds.</summary>
public sealed record DailyKpi(
    string Connector,
    DateOnly Day,
    int Runs,
    double SuccessRate,
    double RateLimitedRate,
    double MeanAttempts,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P95LatencyMs,
    double P99LatencyMs,
    double MaxLatencyMs);

public sealed record FailureReason(string Connector, string ErrorType, long Failures, DateOnly LastDay);

public enum ConnectorState
{
    Failing,
    Stale,
    Degraded,
    Healthy,
}

/// <summary>One line of the status board. The 24 h figures come from the hourly rollups of the last 24–25 hours.</summary>
public sealed record ConnectorStatus(
    string Connector,
    string State,
    IReadOnlyList<string> Reasons,
    Guid? LastRunId,
    DateTimeOffset? LastRunAt,
    string? LastRunStatus,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int FailureStreak,
    TimeSpan? ExpectedInterval,
    int Runs24h,
    double? SuccessRate24h,
    double? RateLimitedRate24h,
    double? P95LatencyMs24h);

/// <summary>KPI queries, answered from the rollups and the connector state, never from the raw runs.</summary>
public sealed class KpiStore(NpgsqlDataSource dataSource, IOptions<MetricsOptions> options)
{
    /// <summary>
    /// Per connector per UTC day in [from, to] (all connectors when <paramref name="connector"/> is null), newest day
    /// first, then by connector; only the given days when <paramref name="only"/> is set.
    /// </summary>
    public async Task<List<DailyKpi>> DailyAsync(
        string? connector, DateOnly from, DateOnly to, DateOnly[]? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT connector, day, total, succeeded, failed, rate_limited, attempts, latency_sum, latency_max,
                   latency_p50, latency_p95, latency_p99
            FROM metrics.rollup_daily
            WHERE day BETWEEN $1 AND $2 {(only is null ? "" : "AND day = ANY($3)")} {(connector is null ? "" : "AND connector = $4")}
            ORDER BY day DESC, connector
            """);
        AddRange(command, from, to, only, connector);

        var days = new List<DailyKpi>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var total = reader.GetInt32(2);
            var succeeded = reader.GetInt32(3);
            var rateLimited = reader.GetInt32(5);
            days.Add(new DailyKpi(
                reader.GetString(0),
                reader.GetFieldValue<DateOnly>(1),
                total,
                Rate((double)succeeded / total),
                Rate((double)rateLimited / total),
                Math.Round((double)reader.GetInt64(6) / total, 3),
                Milliseconds(reader.GetDouble(7) / total),
                Milliseconds(reader.GetDouble(9)),
                Milliseconds(reader.GetDouble(10)),
                Milliseconds(reader.GetDouble(11)),
                Milliseconds(reader.GetDouble(8))));
        }
        return days;
    }

    /// <summary>Failures per UTC day, connector and error type in [from, to] (only the given days when set), newest day first.</summary>
    public async Task<List<(DateOnly Day, string Connector, string ErrorType, int Failures)>> FailureDaysAsync(
        DateOnly from, DateOnly to, DateOnly[]? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT day, connector, error_type, failures FROM metrics.failures_daily
            WHERE day BETWEEN $1 AND $2 {(only is null ? "" : "AND day = ANY($3)")}
            ORDER BY day DESC
            """);
        AddRange(command, from, to, only, null);
        var rows = new List<(DateOnly, string, string, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return rows;
    }

    private static void AddRange(NpgsqlCommand command, DateOnly from, DateOnly to, DateOnly[]? only, string? connector)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = only ?? [], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = connector ?? "", NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>
    /// The versions of the days in [from, to] that runs were folded into after they ended (late runs, rebuilds);
    /// a day that is missing has version 0.
    /// </summary>
    public async Task<Dictionary<DateOnly, long>> DayVersionsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT day, version FROM metrics.rollup_day_versions WHERE day BETWEEN $1 AND $2");
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        var versions = new Dictionary<DateOnly, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetFieldValue<DateOnly>(0)] = reader.GetInt64(1);
        }
        return versions;
    }

    // Rates to 4 decimals and latencies to 0.1 ms: finer digits are noise and would only make the answers bigger.
    private static double Rate(double value) => Math.Round(value, 4);

    private static double Milliseconds(double value) => Math.Round(value, 1);

    /// <summary>
    /// Failures by connector and error type over the UTC days [from, to], most frequent first (at most
    /// <paramref name="limit"/>), with the total number of failures over all of them.
    /// </summary>
    public async Task<(long Total, IReadOnlyList<FailureReason> Reasons)> FailureReasonsAsync(
        string? connector, DateOnly from, DateOnly to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT connector, error_type, sum(failures)::bigint AS failures, max(day) AS last_day,
                   (sum(sum(failures)) OVER ())::bigint AS total
            FROM metrics.failures_daily
            WHERE day BETWEEN $1 AND $2 {(connector is null ? "" : "AND connector = $4")}
            GROUP BY connector, error_type
            ORDER BY failures DESC, connector, error_type
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        if (connector is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = connector, NpgsqlDbType = NpgsqlDbType.Text });
        }

        var reasons = new List<FailureReason>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            reasons.Add(new FailureReason(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateOnly>(3)));
            total = reader.GetInt64(4);
        }
        return (total, reasons);
    }

    /// <summary>Every connector that has run, worst state first, then by name.</summary>
    public async Task<IReadOnlyList<ConnectorStatus>> ConnectorsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var windowStart = Truncate(now, TimeSpan.FromHours(1)) - TimeSpan.FromHours(24);
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.connector, s.last_run_id, s.last_run_at, s.last_run_status, s.last_success_at, s.last_failure_at,
                   s.failure_streak, s.expected_interval, s.first_run_at,
                   coalesce(h.total, 0), coalesce(h.succeeded, 0), coalesce(h.rate_limited, 0),
                   h.latency_min, h.latency_max, coalesce(h.latency_histogram, '{}')
            FROM metrics.connector_state s
            LEFT JOIN (
                SELECT connector, sum(total)::integer AS total, sum(succeeded)::integer AS succeeded,
                       sum(rate_limited)::integer AS rate_limited, min(latency_min) AS latency_min,
                       max(latency_max) AS latency_max, metrics.histogram_concat(latency_histogram) AS latency_histogram
                FROM metrics.rollup_hourly
                WHERE hour >= $1
                GROUP BY connector
            ) h ON h.connector = s.connector
            WHERE s.last_run_at IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = windowStart, NpgsqlDbType = NpgsqlDbType.TimestampTz });

        var board = new List<(ConnectorState State, ConnectorStatus Status)>();
        var rules = options.Value.StatusBoard;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var lastSuccessAt = reader.IsDBNull(4) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(4);
            var streak = reader.GetInt32(6);
            var interval = reader.IsDBNull(7) ? (TimeSpan?)null : reader.GetFieldValue<TimeSpan>(7);
            var firstRunAt = reader.GetFieldValue<DateTimeOffset>(8);
            var runs = reader.GetInt32(9);
            double? successRate = runs > 0 ? Rate((double)reader.GetInt32(10) / runs) : null;
            double? rateLimitedRate = runs > 0 ? Rate((double)reader.GetInt32(11) / runs) : null;
            double? p95 = null;
            if (runs > 0)
            {
                var histogram = new LatencyHistogram();
                histogram.Add(reader.GetFieldValue<long[]>(14), reader.GetDouble(12), reader.GetDouble(13));
                p95 = histogram.Percentile(0.95) is { } value ? Milliseconds(value) : null;
            }

            var reasons = new List<string>();
            var failing = streak >= rules.FailingAfterConsecutiveFailures;
            if (failing)
            {
                reasons.Add($"the last {streak} runs failed");
            }
            // Stale: judged against the connector's schedule, so a connector that only reports now and then is never stale.
            var stale = interval * rules.StaleAfterIntervals is { } staleAfter && now - (lastSuccessAt ?? firstRunAt) > staleAfter;
            if (stale)
            {
                reasons.Add(lastSuccessAt is null
                    ? $"no successful run yet, first run more than {rules.StaleAfterIntervals} × its {interval} schedule ago"
                    : $"no successful run within {rules.StaleAfterIntervals} × its {interval} schedule");
            }
            var degraded = false;
            if (successRate < rules.DegradedBelowSuccessRate)
            {
                degraded = true;
                reasons.Add($"24 h success rate {successRate:P1} is below {rules.DegradedBelowSuccessRate:P0}");
            }
            if (rateLimitedRate > rules.DegradedAboveRateLimitedRate)
            {
                degraded = true;
                reasons.Add($"24 h rate-limited share {rateLimitedRate:P1} is above {rules.DegradedAboveRateLimitedRate:P0}");
            }
            if (streak > 0 && !failing)
            {
                degraded = true;
                reasons.Add(streak == 1 ? "the last run failed" : $"the last {streak} runs failed");
            }

            var state = failing ? ConnectorState.Failing
                : stale ? ConnectorState.Stale
                : degraded ? ConnectorState.Degraded
                : ConnectorState.Healthy;

            board.Add((state, new ConnectorStatus(
                reader.GetString(0),
                state.ToString().ToLowerInvariant(),
                reasons,
                reader.GetGuid(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3),
                lastSuccessAt,
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                streak,
                interval,
                runs,
                successRate,
                rateLimitedRate,
                p95)));
        }

        return [.. board.OrderBy(x => x.State).ThenBy(x => x.Status.Connector, StringComparer.Ordinal).Select(x => x.Status)];
    }

    private static DateTimeOffset Truncate(DateTimeOffset instant, TimeSpan unit)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - ticks % unit.Ticks, TimeSpan.Zero);
    }
}
