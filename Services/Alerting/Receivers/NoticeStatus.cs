namespace ConnectorHealth.Alerting.Receivers;

/// <summary>The state of a group of alerts, as a <see cref="Notice"/> carries it (the alerts' own states, lower-case).</summary>
public static class NoticeStatus
{
    /// <summary>At least one alert of the group fires.</summary>
    public const string Firing = "firing";

    /// <summary>Every open alert of the group is acknowledged.</summary>
    public const string Acknowledged = "acknowledged";

    /// <summary>No alert of the group is open.</summary>
    public const string Resolved = "resolved";
}
