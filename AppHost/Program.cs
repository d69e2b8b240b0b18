using ConnectorHealth.AppHost;
using ConnectorHealth.AppHost.Infrastructure;
using ConnectorHealth.ServiceDefaults;

var builder = DistributedApplication.CreateBuilder(args);

ConnectorHealthInfrastructure infrastructure;
try
{
    ConfiguredReplicas.Validate(builder.Configuration);
    infrastructure = builder.AddInfrastructure();
}
catch (InfrastructureException ex)
{
    // A missing binary or a busy port is the user's to fix: one clear message, no stack trace.
    Console.Error.WriteLine($"ConnectorHealth cannot start: {ex.Message}");
    return 1;
}

var database = infrastructure.Database;

var metrics = builder.AddProject<Projects.Metrics>(ResourceNames.Metrics)
    .WithReference(database, ResourceNames.Database).WaitFor(database)
    .WithMessaging(infrastructure)
    .WithServiceHealthCheck().WithRedriveCommand().WithConfiguredReplicas(builder.Configuration);

var drift = builder.AddProject<Projects.Drift>(ResourceNames.Drift)
    .WithReference(database, ResourceNames.Database).WaitFor(database)
    .WithMessaging(infrastructure)
    .WithServiceHealthCheck().WithRedriveCommand().WithConfiguredReplicas(builder.Configuration);

var alerting = builder.AddProject<Projects.Alerting>(ResourceNames.Alerting)
    .WithReference(database, ResourceNames.Database).WaitFor(database)
    .WithMessaging(infrastructure)
    .WithServiceHealthCheck().WithRedriveCommand().WithConfiguredReplicas(builder.Configuration);

// An alert webhook, if one is set: its URL is a secret parameter (Parameters__alert-webhook-url, or user secrets), never
// a committed file; Parameters__alert-webhook-format is generic (default) or slack.
if (!string.IsNullOrWhiteSpace(builder.Configuration["Parameters:alert-webhook-url"]))
{
    var webhook = builder.AddParameter("alert-webhook-url", secret: true);
    alerting.WithEnvironment("Alerting__Channels__webhook__Url", webhook)
        .WithEnvironment("Alerting__Channels__webhook__Format", builder.Configuration["Parameters:alert-webhook-format"] ?? "generic");
}

// A channel's secrets from secret parameters named channel-<channel>-url, channel-<channel>-routing-key (PagerDuty) or
// channel-<channel>-password (SMTP), e.g. Parameters__channel-oncall-routing-key=… or user secrets; the channel's other
// settings (Format, SmtpHost, To, filters) are the Alerting service's configuration. The API never returns a secret.
const string ChannelSecretPrefix = "channel-";
(string Suffix, string Setting)[] channelSecrets = [("-routing-key", "RoutingKey"), ("-password", "Password"), ("-url", "Url")];
foreach (var setting in builder.Configuration.GetSection("Parameters").GetChildren()
    .Where(p => p.Key.StartsWith(ChannelSecretPrefix, StringComparison.Ordinal)))
{
    if (channelSecrets.FirstOrDefault(c => setting.Key.EndsWith(c.Suffix, StringComparison.Ordinal)) is { Suffix: { } suffix, Setting: { } name }
        && setting.Key.Length > ChannelSecretPrefix.Length + suffix.Length)
    {
        var channel = setting.Key[ChannelSecretPrefix.Length..^suffix.Length];
        alerting.WithEnvironment($"Alerting__Channels__{channel}__{name}", builder.AddParameter(setting.Key, secret: true));
    }
}

// The runner starts once every consumer is up: a run published before a consumer's queue is bound to the
// exchange would reach no queue at all on a fresh broker.
var runner = builder.AddProject<Projects.Runner>(ResourceNames.Runner)
    .WithReference(database, ResourceNames.Database).WaitFor(database)
    .WithMessaging(infrastructure)
    .WaitFor(metrics).WaitFor(drift).WaitFor(alerting)
    .WithServiceHealthCheck().WithRedriveCommand().WithConfiguredReplicas(builder.Configuration);

// The API keys: generated on first run and kept in the AppHost's user secrets (`dotnet user-secrets list --project
// AppHost`), or set like any parameter (Parameters__operator-api-key). Secrets: shown masked in the dashboard.
var keyShape = new GenerateParameterDefault { MinLength = 32, Special = false };
var viewerKey = builder.AddParameter("viewer-api-key", keyShape, secret: true, persist: true);
var operatorKey = builder.AddParameter("operator-api-key", keyShape, secret: true, persist: true);
// The key a pipeline is given: it reports runs and OpenLineage events, nothing else.
var reporterKey = builder.AddParameter("reporter-api-key", keyShape, secret: true, persist: true);

// An HTTP connector's secret header value (Runner:Connectors:<name>:Http:SecretValue) from a secret parameter named
// connector-secret-<name, with - for _>, e.g. Parameters__connector-secret-open-meteo=… or user secrets.
const string ConnectorSecretPrefix = "connector-secret-";
foreach (var setting in builder.Configuration.GetSection("Parameters").GetChildren()
    .Where(p => p.Key.StartsWith(ConnectorSecretPrefix, StringComparison.Ordinal) && p.Key.Length > ConnectorSecretPrefix.Length))
{
    var connector = setting.Key[ConnectorSecretPrefix.Length..].Replace('-', '_');
    runner.WithEnvironment($"Runner__Connectors__{connector}__Http__SecretValue", builder.AddParameter(setting.Key, secret: true));
}

var gateway = builder.AddProject<Projects.Gateway>(ResourceNames.Gateway)
    .WithEnvironment("Gateway__ApiKeys__Viewer", viewerKey)
    .WithEnvironment("Gateway__ApiKeys__Operator", operatorKey)
    .WithEnvironment("Gateway__ApiKeys__Reporter", reporterKey)
    .WithReference(runner).WaitFor(runner)
    .WithReference(metrics).WaitFor(metrics)
    .WithReference(drift).WaitFor(drift)
    .WithReference(alerting).WaitFor(alerting)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.AddProject<Projects.Dashboard>(ResourceNames.WebUi)
    .WithReference(gateway).WaitFor(gateway)
    .WithEnvironment("Gateway__ApiKey", operatorKey)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.Build().Run();
return 0;
