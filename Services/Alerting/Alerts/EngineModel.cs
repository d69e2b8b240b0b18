using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using Npgsql;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>What made an alert fire (again): a run or a drift event, counted once by its source.</summary>
public sealed record Occurrence(string Source, DateTimeOffset At, string Detail);

/// <summary>The alerts a batch opened and resolved, published once it is committed.</summary>
public sealed class AlertChanges
{
    public static readonly AlertChanges None = new();

    public List<AlertRaised> Raised { get; } = [];
    public List<AlertResolved> Resolved { get; } = [];
}

internal sealed record OpenAlert(
    long AlertId, string Fingerprint, string Connector, string Rule, Severity Severity, DateTimeOffset? ClearSince, bool Flapping);

internal sealed record Success(Guid RunId, DateTimeOffset FinishedAt, double LatencyMs);

/// <summary>What the rules read about one connector.</summary>
internal sealed class ConnectorFacts
{
    public DateTimeOffset? FirstSeenAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public TimeSpan? Interval { get; set; }

    /// <summary>The failed runs since the last success, newest first (the failure streak).</summary>
    public List<(Guid RunId, DateTimeOffset FinishedAt)> Streak { get; } = [];
    public string? LastErrorType { get; set; }
    public string? LastErrorMessage { get; set; }
    public SloWindows Windows { get; set; } = new(default, default, default, default, default);
    public WindowCounts RateWindow { get; set; }

    /// <summary>The latest successful runs, oldest first: the latency baseline and the runs judged against it.</summary>
    public List<Success> RecentSuccesses { get; } = [];
}

/// <summary>The open alerts of the connectors being evaluated, and the silences in force.</summary>
internal sealed class EvaluationContext
{
    public List<OpenAlert> OpenAlerts { get; } = [];
    public List<Silence> Silences { get; } = [];
}

/// <summary>Reads silences stored in <c>alerting.silences</c> (columns in table order).</summary>
public static class SilenceRows
{
    public const string Columns = "silence_id, connector, rule, severity, starts_at, ends_at, author, comment";

    public static Silence Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : AlertEngine.ParseSeverity(reader.GetString(3)),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetString(6),
        reader.GetString(7));
}
