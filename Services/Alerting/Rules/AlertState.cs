namespace ConnectorHealth.Alerting.Rules;

public enum AlertState
{
    Firing,
    Acknowledged,
    Resolved,
}
