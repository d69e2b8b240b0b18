using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class RouteTreeTests
{
    private static AlertingOptions Options(AlertRoute? route, params string[] channels)
    {
        var options = new AlertingOptions { Route = route };
        foreach (var name in channels)
        {
            options.Channels[name] = new ChannelOptions { Url = $"https://hooks.example.com/{name}" };
        }
        return options;
    }

    private static AlertLabels Alert(string connector = "crm_api", string rule = RuleNames.ConsecutiveFailures,
        Severity severity = Severity.Critical, string? owner = null, params string[] tags) =>
        new(connector, rule, severity, owner, tags, $"{connector}|{rule}");

    private static readonly AlertRoute Tree = new()
    {
        Receiver = "ops",
        GroupBy = ["connector"],
        Routes =
        [
            new() { Owners = ["team-billing"], Receiver = "billing-pager", Severities = [Severity.Critical], Continue = true },
            new()
            {
                Owners = ["team-billing"], Receiver = "billing-chat", GroupBy = ["rule"],
                Routes = [new() { Rules = [RuleNames.SchemaDrift], Receiver = "data-contracts" }],
            },
            new() { Connectors = ["legacy_*"], Receiver = "archive" },
            new() { Tags = ["pii", "gdpr-*"], Receiver = "privacy", EscalateAfter = TimeSpan.FromMinutes(30), EscalateTo = "billing-pager" },
        ],
    };

    private static readonly string[] AllChannels = ["ops", "billing-pager", "billing-chat", "data-contracts", "archive", "privacy"];

    [Theory]
    [InlineData("crm_api", RuleNames.ConsecutiveFailures, Severity.Critical, null, "", "ops")]
    [InlineData("invoices", RuleNames.ConsecutiveFailures, Severity.Critical, "team-billing", "", "billing-pager,billing-chat")]
    [InlineData("invoices", RuleNames.ConsecutiveFailures, Severity.Warning, "team-billing", "", "billing-chat")]
    [InlineData("invoices", RuleNames.SchemaDrift, Severity.Info, "team-billing", "", "data-contracts")]
    [InlineData("legacy_orders", RuleNames.Freshness, Severity.Warning, null, "", "archive")]
    [InlineData("legacy_orders", RuleNames.Freshness, Severity.Warning, null, "pii", "archive")]
    [InlineData("users", RuleNames.Freshness, Severity.Warning, null, "crm,gdpr-eu", "privacy")]
    [InlineData("users", RuleNames.Freshness, Severity.Warning, "someone", "crm", "ops")]
    public void AnAlertGoesDownToTheDeepestRoutesThatMatchIt(string connector, string rule, Severity severity, string? owner, string tags, string expected)
    {
        var tree = RouteTree.For(Options(Tree, AllChannels));

        var matches = tree.Match(Alert(connector, rule, severity, owner, tags.Split(',', StringSplitOptions.RemoveEmptyEntries)));

        Assert.Equal(expected, string.Join(',', matches.Select(m => m.Receiver)));
    }

    [Fact]
    public void ARouteInheritsWhatItLeavesUnsetAndSaysWhyTheAlertReachedIt()
    {
        var tree = RouteTree.For(Options(Tree, AllChannels));

        var match = Assert.Single(tree.Match(Alert("invoices", RuleNames.SchemaDrift, Severity.Info, "team-billing")));

        Assert.Equal("0.1.0", match.Path);
        Assert.Equal(["rule"], match.GroupBy);
        Assert.Equal(RouteTree.DefaultGroupWait, match.GroupWait);
        Assert.Equal(new AlertingOptions().RepeatInterval, match.RepeatInterval);
        Assert.Equal("0.1.0|data-contracts|rule=schema_drift", match.GroupKey(Alert("invoices", RuleNames.SchemaDrift, Severity.Info, "team-billing")));
        Assert.Contains(match.Why, why => why.Contains("owner team-billing matches 'team-billing'", StringComparison.Ordinal));
        Assert.Contains(match.Why, why => why.Contains("rule schema_drift matches 'schema_drift'", StringComparison.Ordinal));
    }

    [Fact]
    public void AlertsOfOneGroupShareAKeyAndOthersDoNot()
    {
        var match = Assert.Single(RouteTree.For(Options(Tree, AllChannels)).Match(Alert("a")));

        Assert.Equal(match.GroupKey(Alert("a", RuleNames.ConsecutiveFailures)), match.GroupKey(Alert("a", RuleNames.SloBurn, Severity.Warning)));
        Assert.NotEqual(match.GroupKey(Alert("a")), match.GroupKey(Alert("b")));
    }

    [Fact]
    public void WithoutARouteEveryChannelGetsWhatItsFiltersLetThroughEachAlertAlone()
    {
        var options = Options(null, "ops", "pager");
        options.Channels["pager"].Severities = [Severity.Critical];
        options.Channels["off"] = new ChannelOptions { Url = "https://hooks.example.com/off", Enabled = false };
        var tree = RouteTree.For(options);

        Assert.True(tree.FromChannels);
        Assert.Equal(["ops", "pager"], tree.Match(Alert(severity: Severity.Critical)).Select(m => m.Receiver));
        Assert.Equal(["ops"], tree.Match(Alert(severity: Severity.Warning)).Select(m => m.Receiver));
        Assert.All(tree.Match(Alert()), m => Assert.Equal(TimeSpan.Zero, m.GroupWait));
        Assert.NotEqual(tree.Match(Alert("a"))[0].GroupKey(Alert("a")), tree.Match(Alert("a", RuleNames.SloBurn))[0].GroupKey(Alert("a", RuleNames.SloBurn)));
    }

    [Fact]
    public void AChannelsFiltersApplyUnderRoutesToo()
    {
        var options = Options(new AlertRoute { Receiver = "pager" }, "pager");
        options.Channels["pager"].Severities = [Severity.Critical];

        Assert.Empty(RouteTree.For(options).Match(Alert(severity: Severity.Warning)));
    }

    [Fact]
    public void ATreeWithUnknownNamesOrTooDeepIsRefusedWithWhereAndWhy()
    {
        var deep = new AlertRoute { Receiver = "ops" };
        var node = deep;
        for (var i = 0; i < RouteTree.MaxDepth + 2; i++)
        {
            var child = new AlertRoute();
            node.Routes.Add(child);
            node = child;
        }
        var bad = new AlertRoute
        {
            Receiver = "nowhere",
            GroupBy = ["connector", "colour"],
            Routes =
            [
                new() { Rules = ["no_such_rule"], MuteTimeIntervals = ["weekends"] },
                new() { EscalateAfter = TimeSpan.FromMinutes(5) },
                new() { Connectors = [] },
            ],
        };

        var problems = RouteTree.Problems(bad, Options(null, "ops").Channels, []).ToList();

        Assert.Contains("Alerting:Route:Receiver: 'nowhere' is not a channel (Alerting:Channels).", problems);
        Assert.Contains(problems, p => p.StartsWith("Alerting:Route:GroupBy: 'colour' is not a label", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Alerting:Route:Routes:0:Rules: 'no_such_rule' is not a rule", StringComparison.Ordinal));
        Assert.Contains("Alerting:Route:Routes:0: 'weekends' is not a time interval (Alerting:TimeIntervals).", problems);
        Assert.Contains("Alerting:Route:Routes:1:EscalateAfter: set EscalateTo as well (the channel the alert escalates to).", problems);
        Assert.Contains(problems, p => p.StartsWith("Alerting:Route:Routes:2:Connectors:", StringComparison.Ordinal));
        Assert.Contains(RouteTree.Problems(deep, Options(null, "ops").Channels, []), p => p.Contains($"nest at most {RouteTree.MaxDepth} deep", StringComparison.Ordinal));
        Assert.Empty(RouteTree.Problems(Tree, Options(null, AllChannels).Channels, []));
    }
}
