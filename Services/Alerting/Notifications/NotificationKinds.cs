namespace ConnectorHealth.Alerting.Notifications;

/// <summary>What a notification says (<c>alerting.notifications.kind</c>, and the <c>kind</c> of a webhook body).</summary>
public static class NotificationKinds
{
    /// <summary>An alert was raised.</summary>
    public const string Firing = "firing";

    /// <summary>An alert still fires and nobody acknowledged it: notified again every repeat interval.</summary>
    public const string Repeat = "repeat";

    /// <summary>An alert was resolved; sent to every channel its firing went to.</summary>
    public const string Resolved = "resolved";

    /// <summary>Someone acknowledged the alerts of a group: every open alert of it is acknowledged.</summary>
    public const string Acknowledged = "acknowledged";

    /// <summary>Nobody acknowledged a firing group in time: the next step of its escalation is told.</summary>
    public const string Escalation = "escalation";

    /// <summary>A test message asked for through the API.</summary>
    public const string Test = "test";
}
