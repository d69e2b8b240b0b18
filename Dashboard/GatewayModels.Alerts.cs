namespace ConnectorHealth.Dashboard;

// The Alerting service's JSON (GET /api/alerts, /api/alerts/{id}, /api/silences). Severities arrive lower-case.

public sealed record AlertSummary(
    long AlertId, string Connector, string Rule, string Severity, string State, string Message, string RecommendedAction,
    int Occurrences, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution, long? PreviousAlertId, bool Flapping,
    IReadOnlyDictionary<string, string>? Details = null);

/// <summary>One alert with its latest occurrences (the API keeps the newest 200) and its notifications.</summary>
public sealed record AlertDetail(AlertSummary Alert, IReadOnlyList<AlertOccurrence>? Occurrences = null, IReadOnlyList<AlertNotification>? Notifications = null);

public sealed record AlertOccurrence(string Source, DateTimeOffset OccurredAt, string Detail);

/// <summary>A notification to one channel: the API keeps its attempt count and the last attempt's outcome, not every attempt.</summary>
public sealed record AlertNotification(
    long NotificationId, string Channel, string Kind, string Status, string? Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);

public sealed record AlertPage(IReadOnlyList<AlertSummary> Items, string? Cursor);

/// <summary>What <c>GET /api/alerts</c> filters by; null for any.</summary>
public sealed record AlertFilter(string? State = null, string? Connector = null, string? Rule = null, string? Severity = null)
{
    public static readonly IReadOnlyList<string> States = ["firing", "acknowledged", "resolved"];

    public static readonly IReadOnlyList<string> Severities = ["critical", "warning", "info"];

    /// <summary>The Alerting service's rule names (its <c>RuleNames.All</c>), which it refuses anything else for.</summary>
    public static readonly IReadOnlyList<string> Rules = ["schema_drift", "consecutive_failures", "success_rate", "rate_limited", "latency", "freshness"];
}

/// <summary>A silence: each non-null matcher must equal the alert's; it holds notifications from StartsAt to EndsAt.</summary>
public sealed record Silence(
    Guid Id, string? Connector, string? Rule, string? Severity, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Author, string Comment);

public sealed record SilenceList(IReadOnlyList<Silence> Items);

/// <summary>The body of <c>POST /api/silences</c>; StartsAt left out means now.</summary>
public sealed record SilenceRequest(string? Connector, string? Rule, string? Severity, DateTimeOffset EndsAt, string Author, string Comment);
