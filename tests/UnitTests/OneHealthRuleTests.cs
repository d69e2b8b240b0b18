using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Status;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace ConnectorHealth.UnitTests;

/// <summary>
/// The status board's failing and stale and Alerting's consecutive_failures and freshness are one rule: the same
/// facts and the same configuration give the same verdict in both places, over a grid of streaks, ages and schedules.
/// </summary>
public class OneHealthRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string?, string?> Configurations => new()
    {
        { null, null },
        { "5", "2" },
        { "1", "10" },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheSameFactsGiveTheSameFailingAndStaleVerdictOnTheBoardAndInAlerting(string? consecutiveFailures, string? freshnessFactor)
    {
        // One configuration, bound as each service binds it.
        var settings = new Dictionary<string, string?>();
        if (consecutiveFailures is not null)
        {
            settings["Alerting:Rules:ConsecutiveFailures"] = consecutiveFailures;
            settings["Alerting:Rules:FreshnessFactor"] = freshnessFactor;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var alerting = configuration.GetSection(RuleThresholds.SectionName).Get<RuleThresholds>() ?? new RuleThresholds();
        var board = new StatusRules(
            new StatusBoardOptions(),
            configuration.GetSection(ConnectorHealthThresholds.SectionName).Get<ConnectorHealthThresholds>() ?? new ConnectorHealthThresholds());

        var judged = 0;
        var disagreements = new List<string>();
        foreach (var streak in new[] { 0, 1, 2, 3, 4, 5, 6, 12 })
        {
            foreach (TimeSpan? interval in new TimeSpan?[] { null, TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1) })
            {
                foreach (var sinceSuccess in new TimeSpan?[] { null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15).Add(TimeSpan.FromTicks(1)), TimeSpan.FromMinutes(11), TimeSpan.FromHours(3), TimeSpan.FromDays(2) })
                {
                    var lastSuccessAt = Now - sinceSuccess;
                    var firstSeenAt = Now - TimeSpan.FromHours(2);
                    var failing = ConsecutiveFailuresRule.Evaluate("crm", streak, "server", "503", alerting) is not null;
                    var stale = FreshnessRule.Evaluate("crm", lastSuccessAt, firstSeenAt, interval, Now, alerting) is not null;
                    var verdict = board.Judge(new ConnectorFacts(
                        "crm", firstSeenAt, Guid.NewGuid(), Now.AddMinutes(-1), streak > 0 ? "failed" : "succeeded", lastSuccessAt,
                        streak > 0 ? Now.AddMinutes(-1) : null, streak, interval, 10, 1, 0, 100), Now);
                    var boardFailing = verdict.Level == StatusLevel.Failing;
                    var boardStale = verdict.Reasons.Any(r => r.StartsWith("no successful run", StringComparison.Ordinal));
                    if (failing != boardFailing || stale != boardStale)
                    {
                        disagreements.Add($"streak {streak}, interval {interval}, since success {sinceSuccess}: alerting ({failing}, {stale}), board ({boardFailing}, {boardStale})");
                    }
                    judged++;
                }
            }
        }

        Assert.Empty(disagreements);
        Assert.Equal(8 * 4 * 7, judged);
    }

    [Fact]
    public void TheSharedRuleIsWhatBothSidesDefaultTo()
    {
        Assert.Equal(ConnectorHealthRule.DefaultConsecutiveFailures, new RuleThresholds().ConsecutiveFailures);
        Assert.Equal(ConnectorHealthRule.DefaultFreshnessFactor, new RuleThresholds().FreshnessFactor);
        Assert.Equal(ConnectorHealthRule.DefaultConsecutiveFailures, new ConnectorHealthThresholds().ConsecutiveFailures);
        Assert.Equal(ConnectorHealthRule.DefaultFreshnessFactor, new ConnectorHealthThresholds().FreshnessFactor);
        Assert.Equal(RuleThresholds.SectionName, ConnectorHealthThresholds.SectionName);
    }
}
