namespace ConnectorHealth.IntegrationTests.Metrics;

// The first version's KPI views, verbatim, over the raw runs: its day is the day a run ended, in the session's time
// zone. The one copy: the seed-view tests compare ours against it, and the benchmark (which links this file) measures
// against it.
public static class FirstVersion
{
    public const string Views =
        """
        CREATE SCHEMA first_version;
        CREATE VIEW first_version.connector_health_daily AS
        SELECT connector_name, date_trunc('day', ended_at)::date AS day, count(*) AS total_runs,
               avg(CASE WHEN status='success' THEN 1 ELSE 0 END)::float AS success_rate,
               avg(latency_ms)::float AS avg_latency_ms, avg(attempts)::float AS avg_attempts,
               avg(CASE WHEN rate_limited THEN 1 ELSE 0 END)::float AS rate_limited_rate
        FROM raw.connector_runs GROUP BY 1,2;
        CREATE VIEW first_version.top_failure_reasons AS
        SELECT connector_name, COALESCE(error_type,'unknown') AS error_type, count(*) AS failures
        FROM raw.connector_runs WHERE status='failed' GROUP BY 1,2 ORDER BY failures DESC;
        """;
}
