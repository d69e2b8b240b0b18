namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Names of the Aspire resources and connection strings, shared by the AppHost, the services and the tests.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string Database = "connectorhealth";
    public const string Messaging = "messaging";
    public const string MessagingEpmd = "messaging-epmd";

    public const string Runner = "runner";
    public const string Drift = "drift";
    public const string Alerting = "alerting";
    public const string Metrics = "metrics";
    public const string Gateway = "gateway";
    public const string WebUi = "webui";
}
