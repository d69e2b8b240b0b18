namespace ConnectorHealth.Alerting.Alerts;

public enum AlertState
{
    Firing,
    Acknowledged,
    Resolved,
}

/// <summary>An <see cref="AlertState"/> as <c>alerting.alerts.state</c> stores it.</summary>
public static class AlertStates
{
    public const string Firing = "firing";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
}
