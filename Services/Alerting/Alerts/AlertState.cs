namespace ConnectorHealth.Alerting.Alerts;

public enum AlertState
{
    Firing,
    Acknowledged,
    Resolved,
}
