using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class AlertFingerprintTests
{
    [Fact]
    public void AFingerprintIsStableAcrossCallsAndReleases()
    {
        var fingerprint = AlertFingerprint.Of("crm", RuleNames.SloBurn, "page");

        Assert.Equal(fingerprint, AlertFingerprint.Of("crm", RuleNames.SloBurn, "page"));
        Assert.Matches("^[0-9a-f]{32}$", fingerprint);
        // The first 32 hex digits of SHA-256("crm\0success_rate\0page"): stored alerts keep matching after an upgrade.
        Assert.Equal(Sha256Prefix("crm\0success_rate\0page"), fingerprint);
    }

    [Theory]
    [InlineData("billing", RuleNames.SloBurn, "page")]
    [InlineData("crm", RuleNames.ConsecutiveFailures, "page")]
    [InlineData("crm", RuleNames.SloBurn, "ticket")]
    [InlineData("crm", RuleNames.SloBurn, "")]
    [InlineData("crmsuccess_rate", "", "page")]
    [InlineData("crm", "success_ratepage", "")]
    public void AnyDifferentPartGivesADifferentFingerprint(string connector, string rule, string key)
    {
        Assert.NotEqual(AlertFingerprint.Of("crm", RuleNames.SloBurn, "page"), AlertFingerprint.Of(connector, rule, key));
    }

    private static string Sha256Prefix(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..32];
}
