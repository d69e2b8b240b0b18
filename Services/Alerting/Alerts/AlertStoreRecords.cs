using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Alerts;

public sealed record AlertSummary(
    long AlertId, string Connector, string Rule, string Severity, string State, string Message, string RecommendedAction,
    int Occurrences, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution, long? PreviousAlertId, bool Flapping,
    IReadOnlyDictionary<string, string> Details, string? MutedBy, AlertFeedback? Feedback, string? Owner, IReadOnlyList<string> Tags,
    AlertDataset? Dataset = null, string? Assertion = null, string? Column = null, AlertJob? Job = null, long? CausedBy = null,
    IReadOnlyList<AlertImpact>? Impact = null);

/// <summary>An alert another one caused (its upstream job's failure): what the failure's alert lists as its impact.</summary>
public sealed record AlertImpact(long AlertId, string Connector, string Rule, string State);

/// <summary>The OpenLineage dataset an alert is about (quality, volume, a dataset's schema drift): its key and the producer's namespace and name.</summary>
public sealed record AlertDataset(string Key, string Namespace, string Name);

/// <summary>The OpenLineage job an alert's connector is, as its producer named it.</summary>
public sealed record AlertJob(string Namespace, string Name);

/// <summary>How someone judged an alert: <see cref="Verdicts"/>.</summary>
public sealed record AlertFeedback(string Verdict, string By, string? Note, DateTimeOffset At)
{
    public static readonly IReadOnlyList<string> Verdicts = ["expected", "false_positive", "fixed"];
}

public sealed record JudgementCount(string Rule, string Verdict, long Alerts);

public sealed record AlertPage(IReadOnlyList<AlertSummary> Items, string? Cursor);

public sealed record OccurrenceView(string Source, DateTimeOffset OccurredAt, string Detail);

public sealed record NotificationView(
    long NotificationId, string Channel, string Kind, string Status, string? Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);

public sealed record AlertDetail(AlertSummary Alert, IReadOnlyList<OccurrenceView> Occurrences, IReadOnlyList<NotificationView> Notifications);

public sealed record AlertFilter(
    string? State, string? Connector, string? Rule, string? Severity, int Limit, PageCursor? After, string? Owner = null, string? Tag = null,
    string? Feedback = null);
