using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.Dashboard.Components.Shared;
using ConnectorHealth.Runner.Apis;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.IntegrationTests.OpenApi;

/// <summary>
/// The web UI's connector form against the runner's own rules: the names it offers are the runner's, and what the form
/// sends is read by the runner (with its strict JSON settings) as the connector the form describes.
/// </summary>
public sealed class ConnectorFormTests
{
    // The runner's HTTP JSON settings (ServiceDefaults): web defaults, no duplicate or unknown members, numbers as numbers.
    private static readonly JsonSerializerOptions RunnerJson = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    [Fact]
    public void TheWebUiOffersTheRunnersKindsStatesAndMethods()
    {
        Assert.Equal(ConnectorKinds.All, ConnectorFilter.Kinds);
        Assert.Equal(ConnectorStates.All, ConnectorFilter.States);
        Assert.Equal(ConnectorRules.Methods, ConnectorFilter.Methods);
    }

    [Fact]
    public void AnHttpConnectorFilledInReachesTheRunnerAsTheConnectorItDescribes()
    {
        var draft = new ConnectorDraft
        {
            Name = "crm_contacts",
            Kind = ConnectorKinds.Http,
            Schedule = ConnectorDraft.ByCron,
            Cron = " */5 * * * * ",
            Timeout = "00:00:20",
            MaxAttempts = 4,
            InitialDelay = "00:00:01.5",
            Multiplier = 3,
            MaxDelay = "1.00:00:00",
            Jitter = false,
            Enabled = false,
            Owner = " team-crm ",
            Tags = "crm, tier:1 pii",
            Url = "https://crm.example.com/contacts",
            Method = "POST",
            Headers = "Accept: application/json\n\n X-Tenant :  acme \n",
            SecretHeader = "Authorization",
            SecretValue = "Bearer abc",
        };

        var (body, problems) = draft.ToOptions();

        Assert.Empty(problems);
        var read = JsonSerializer.Deserialize<ConnectorOptions>(JsonSerializer.Serialize(body), RunnerJson)!;
        Assert.Empty(ConnectorRules.Problems(draft.Name, read));
        Assert.Equal((ConnectorKinds.Http, (TimeSpan?)null, "*/5 * * * *", TimeSpan.FromSeconds(20), false, "team-crm"),
            (read.Kind, read.Interval, read.Cron, read.Timeout, read.Enabled, read.Owner));
        Assert.Equal(["crm", "tier:1", "pii"], read.Tags!);
        Assert.Equal((4, TimeSpan.FromSeconds(1.5), 3.0, TimeSpan.FromDays(1), false),
            (read.Retry.MaxAttempts, read.Retry.InitialDelay, read.Retry.Multiplier, read.Retry.MaxDelay, read.Retry.Jitter));
        Assert.Equal(("https://crm.example.com/contacts", "POST", "Authorization", "Bearer abc"),
            (read.Http!.Url, read.Http.Method, read.Http.SecretHeader, read.Http.SecretValue));
        Assert.Equal(new Dictionary<string, string> { ["Accept"] = "application/json", ["X-Tenant"] = "acme" }, read.Http.Headers);
    }

    [Fact]
    public void ASimulatedConnectorSendsNoRequestAndAnEmptySecretKeepsTheStoredOne()
    {
        var simulated = new ConnectorDraft { Name = "demo", Kind = ConnectorKinds.GoodApi, Interval = "00:05:00", Url = "https://left.over/" };
        var (body, _) = simulated.ToOptions();
        var read = JsonSerializer.Deserialize<ConnectorOptions>(JsonSerializer.Serialize(body), RunnerJson)!;
        Assert.Null(read.Http);
        Assert.Null(read.Tags);
        Assert.Null(read.Owner);
        Assert.Equal(TimeSpan.FromMinutes(5), read.Interval);
        Assert.Empty(ConnectorRules.Problems("demo", read));

        // Left empty, the secret value is left out, which the runner reads as "keep the stored one of this header".
        var keeping = new ConnectorDraft { Name = "crm", Kind = ConnectorKinds.Http, Url = "https://crm.example.com/", SecretHeader = "Authorization" };
        var (kept, _) = keeping.ToOptions();
        Assert.Equal("Authorization", kept!.Http!.SecretHeader);
        Assert.Null(kept.Http.SecretValue);
    }

    [Theory]
    [InlineData("5 minutes", "00:00:10", "interval")]
    [InlineData("00:05:00", "10s", "timeout")]
    public void ATimeThatDoesNotReadIsRefusedBeforeSendingUnderTheApisFieldName(string interval, string timeout, string field)
    {
        var (body, problems) = new ConnectorDraft { Name = "demo", Interval = interval, Timeout = timeout }.ToOptions();

        Assert.Null(body);
        Assert.Equal([field], problems.Keys);
    }

    [Fact]
    public void AHeaderLineWithoutAColonIsRefusedBeforeSending()
    {
        var (body, problems) = new ConnectorDraft { Name = "crm", Kind = ConnectorKinds.Http, Url = "https://x.example/", Headers = "Accept application/json" }
            .ToOptions();

        Assert.Null(body);
        Assert.Equal(["http.headers"], problems.Keys);
    }
}
