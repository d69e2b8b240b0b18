using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class RoutingTests
{
    private static readonly Dictionary<string, ChannelOptions> Channels = new()
    {
        ["ops"] = new() { Url = "https://hooks.example.com/ops" },
        ["pager"] = new() { Url = "https://pager.example.com/hook", Severities = [Severity.Critical] },
        ["drift"] = new() { Url = "https://hooks.example.com/drift", Rules = [RuleNames.SchemaDrift] },
        ["Slack"] = new()
        {
            Url = "https://hooks.slack.com/services/x",
            Format = ChannelFormat.Slack,
            Severities = [Severity.Warning, Severity.Critical],
            Rules = [RuleNames.LatencyAnomaly, RuleNames.SchemaDrift],
        },
        ["archive"] = new() { Url = "https://archive.example.com/hook", Enabled = false },
    };

    [Theory]
    [InlineData(RuleNames.SloBurn, Severity.Warning, "ops")]
    [InlineData(RuleNames.SloBurn, Severity.Critical, "ops,pager")]
    [InlineData(RuleNames.SchemaDrift, Severity.Info, "drift,ops")]
    [InlineData(RuleNames.SchemaDrift, Severity.Critical, "Slack,drift,ops,pager")]
    [InlineData(RuleNames.LatencyAnomaly, Severity.Warning, "Slack,ops")]
    [InlineData(RuleNames.LatencyAnomaly, Severity.Info, "ops")]
    public void AnAlertGoesToTheEnabledChannelsWhoseFiltersLetItThroughInOrdinalOrder(string rule, Severity severity, string expected)
    {
        Assert.Equal(expected.Split(','), Routing.ChannelsFor(Channels, rule, severity));
    }

    [Fact]
    public void ADisabledChannelGetsNothing()
    {
        var only = new Dictionary<string, ChannelOptions> { ["archive"] = Channels["archive"] };

        Assert.Empty(Routing.ChannelsFor(only, RuleNames.ConsecutiveFailures, Severity.Critical));
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", true)]
    [InlineData("http://localhost:8080/hook", true)]
    [InlineData("ftp://files.example.com/x", false)]
    [InlineData("/relative/hook", false)]
    [InlineData("", false)]
    public void AChannelNeedsAnAbsoluteHttpUrl(string url, bool valid)
    {
        Assert.Equal(valid, Validate(new ChannelOptions { Url = url }).Count == 0);
    }

    [Fact]
    public void AChannelsRulesMustBeKnownAlertTypes()
    {
        var errors = Validate(new ChannelOptions { Url = "https://hooks.example.com/x", Rules = [RuleNames.Freshness, "slo"] });

        Assert.Contains("'slo' is not a rule", Assert.Single(errors).ErrorMessage, StringComparison.Ordinal);
    }

    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
