using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.Metrics.Status;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Stores;

// KPI queries, answered from the rollups and the connector state, never from the raw runs.
public sealed class KpiStore(NpgsqlDataSource dataSource)
{
    // Per connector per UTC day in [from, to] (all connectors when connectors is null), newest day
    // first, then by connector; only the given days when only is set.
    public async Task<List<DailyKpi>> DailyAsync(
        IReadOnlyCollection<string>? connectors, DateOnly from, DateOnly to, DateOnly[]? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT connector, day, total, succeeded, failed, rate_limited, attempts, latency_sum, latency_max,
                   latency_min, latency_histogram, aborted, late_runs, lateness_sum, lateness_max
            FROM metrics.rollup_daily
            WHERE day BETWEEN $1 AND $2 {(only is null ? "" : "AND day = ANY($3)")} {(connectors is null ? "" : "AND connector = ANY($4)")}
            ORDER BY day DESC, connector
            """);
        AddRange(command, from, to, only);
        command.Parameters.Add(new NpgsqlParameter { Value = connectors?.ToArray() ?? [], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

        var days = new List<DailyKpi>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var total = reader.GetInt32(2);
            var succeeded = reader.GetInt32(3);
            var rateLimited = reader.GetInt32(5);
            var (min, max, histogram) = (reader.GetDouble(9), reader.GetDouble(8), reader.GetFieldValue<long[]>(10));
            var lateRuns = reader.GetInt32(12);
            days.Add(new DailyKpi(
                reader.GetString(0),
                reader.GetFieldValue<DateOnly>(1),
                total,
                RoundRate((double)succeeded / total),
                RoundRate((double)rateLimited / total),
                Math.Round((double)reader.GetInt64(6) / total, 3),
                RoundMs(reader.GetDouble(7) / total),
                RoundMs(LatencyHistogram.Percentile(histogram, min, max, 0.50) ?? 0),
                RoundMs(LatencyHistogram.Percentile(histogram, min, max, 0.95) ?? 0),
                RoundMs(LatencyHistogram.Percentile(histogram, min, max, 0.99) ?? 0),
                RoundMs(max),
                reader.GetInt32(11),
                lateRuns > 0 ? RoundMs(reader.GetDouble(13) / lateRuns) : null,
                lateRuns > 0 ? RoundMs(reader.GetDouble(14)) : null));
        }
        return days;
    }

    // Per UTC day in [from, to] (only the given days when set) over all connectors, newest day first: the same rows as
    // DailyAsync, summed by PostgreSQL. Days without runs are left out.
    public async Task<List<DailyKpiTotal>> DailyTotalsAsync(DateOnly from, DateOnly to, DateOnly[]? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT day, count(*)::integer AS connectors, sum(total)::bigint AS total, sum(succeeded)::bigint AS succeeded,
                   sum(rate_limited)::bigint AS rate_limited, sum(attempts)::bigint AS attempts, sum(aborted)::bigint AS aborted
            FROM metrics.rollup_daily
            WHERE day BETWEEN $1 AND $2 {(only is null ? "" : "AND day = ANY($3)")}
            GROUP BY day
            ORDER BY day DESC
            """);
        AddRange(command, from, to, only);

        var days = new List<DailyKpiTotal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var total = reader.GetInt64(2);
            var succeeded = reader.GetInt64(3);
            days.Add(new DailyKpiTotal(
                reader.GetFieldValue<DateOnly>(0),
                reader.GetInt32(1),
                total,
                succeeded,
                RoundRate((double)succeeded / total),
                RoundRate((double)reader.GetInt64(4) / total),
                Math.Round((double)reader.GetInt64(5) / total, 3),
                reader.GetInt64(6)));
        }
        return days;
    }

    // Failures per UTC day, connector and error type in [from, to] (only the given days when set), newest day first.
    public async Task<List<(DateOnly Day, string Connector, string ErrorType, int Failures)>> FailureDaysAsync(
        DateOnly from, DateOnly to, DateOnly[]? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT day, connector, error_type, failures FROM metrics.failures_daily
            WHERE day BETWEEN $1 AND $2 {(only is null ? "" : "AND day = ANY($3)")}
            ORDER BY day DESC
            """);
        AddRange(command, from, to, only);
        var rows = new List<(DateOnly, string, string, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }
        return rows;
    }

    private static void AddRange(NpgsqlCommand command, DateOnly from, DateOnly to, DateOnly[]? only)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = only ?? [], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
    }

    // The versions of the days in [from, to] that runs were folded into after they ended (late runs, rebuilds);
    // a day that is missing has version 0.
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
    private static double RoundRate(double value) => Math.Round(value, 4);

    private static double RoundMs(double value) => Math.Round(value, 1);

    // Failures by connector and error type over the UTC days [from, to], most frequent first (at most
    // limit), with the total number of failures over all of them.
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

    // What the status board judges of every connector that has run and matches the filter; StatusRules judges it.
    // The p95 latency is left out (null): it needs each connector's histograms, the bulk of the rollups, and only the
    // connectors on a page show it (P95LatencyAsync).
    public async Task<List<ConnectorFacts>> ConnectorFactsAsync(DateTimeOffset now, StatusBoardFilter filter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter { Value = WindowStart(now), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var where = new List<string> { "s.last_run_at IS NOT NULL" };
        void Add(string condition, object value, NpgsqlDbType type)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
            where.Add(condition.Replace("{value}", $"${command.Parameters.Count}", StringComparison.Ordinal));
        }
        if (filter.Connector is { } connector)
        {
            Add("s.connector = {value}", connector, NpgsqlDbType.Text);
        }
        if (filter.Connectors is { } names)
        {
            Add("s.connector = ANY({value})", names.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
        if (filter.Owner is { } owner)
        {
            Add("l.owner = {value}", owner, NpgsqlDbType.Text);
        }
        if (filter.Tag is { } tag)
        {
            Add("l.tags @> {value}", new[] { tag }, NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
        if (filter.Search is { } search)
        {
            // Connector names are lower-case, so any case of a part of one finds it; strpos needs no LIKE escaping.
            Add("strpos(s.connector, lower({value})) > 0", search, NpgsqlDbType.Text);
        }
        command.CommandText =
            $"""
            SELECT s.connector, s.first_run_at, s.last_run_id, s.last_run_at, s.last_run_status, s.last_success_at,
                   s.last_failure_at, s.failure_streak, s.expected_interval,
                   coalesce(h.total, 0), h.succeeded, h.rate_limited, l.owner, l.tags, coalesce(h.aborted, 0)
            FROM metrics.connector_state s
            LEFT JOIN metrics.connector_labels l ON l.connector = s.connector
            LEFT JOIN (
                SELECT connector, sum(total)::integer AS total, sum(succeeded)::integer AS succeeded,
                       sum(rate_limited)::integer AS rate_limited, sum(aborted)::integer AS aborted
                FROM metrics.rollup_hourly
                WHERE hour >= $1
                GROUP BY connector
            ) h ON h.connector = s.connector
            WHERE {string.Join(" AND ", where)}
            """;

        var connectors = new List<ConnectorFacts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var runs = reader.GetInt32(9);
            // Aborted runs are neither successes nor failures: the success rate is over the runs that ended either way.
            var decided = runs - reader.GetInt32(14);
            connectors.Add(new ConnectorFacts(
                reader.GetString(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetGuid(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<TimeSpan>(8),
                runs,
                decided > 0 ? RoundRate((double)reader.GetInt32(10) / decided) : null,
                runs > 0 ? RoundRate((double)reader.GetInt32(11) / runs) : null,
                null,
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? [] : reader.GetFieldValue<string[]>(13)));
        }
        return connectors;
    }

    // The p95 latency over the same 24 h window as ConnectorFactsAsync, of the given connectors (those that ran in it).
    public async Task<Dictionary<string, double>> P95LatencyAsync(DateTimeOffset now, IReadOnlyCollection<string> connectors, CancellationToken cancellationToken)
    {
        var latencies = new Dictionary<string, double>(StringComparer.Ordinal);
        if (connectors.Count == 0)
        {
            return latencies;
        }
        await using var command = dataSource.CreateCommand(
            """
            SELECT connector, min(latency_min), max(latency_max), metrics.histogram_concat(latency_histogram)
            FROM metrics.rollup_hourly
            WHERE hour >= $1 AND connector = ANY($2)
            GROUP BY connector
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = WindowStart(now), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = connectors.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (LatencyHistogram.Percentile(reader.GetFieldValue<long[]>(3), reader.GetDouble(1), reader.GetDouble(2), 0.95) is { } p95)
            {
                latencies[reader.GetString(0)] = RoundMs(p95);
            }
        }
        return latencies;
    }

    // The status board's last 24 h: the hourly rollups of the last 24–25 hours.
    private static DateTimeOffset WindowStart(DateTimeOffset now) => Truncate(now, TimeSpan.FromHours(1)) - TimeSpan.FromHours(24);

    private static DateTimeOffset Truncate(DateTimeOffset instant, TimeSpan unit)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - ticks % unit.Ticks, TimeSpan.Zero);
    }
}
