using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class RuleThresholdsTests
{
    [Fact]
    public void TheDefaultsAreValid()
    {
        Assert.Empty(Validate(new RuleThresholds()));
    }

    [Fact]
    public void AConnectorOverridesOnlyWhatItSets()
    {
        var defaults = new RuleThresholds { ConsecutiveFailures = 4, RateLimitWindow = TimeSpan.FromMinutes(30) };

        var merged = defaults.WithOverrides(new RuleOverrides { SloTarget = 0.95, RateLimitWindow = TimeSpan.FromHours(2) });

        Assert.Equal(0.95, merged.SloTarget);
        Assert.Equal(TimeSpan.FromHours(2), merged.RateLimitWindow);
        Assert.Equal(4, merged.ConsecutiveFailures);
        Assert.Equal(0.2, merged.RateLimitedShare);
        Assert.Equal(0.99, defaults.SloTarget);
        Assert.Same(defaults, defaults.WithOverrides(null));
    }

    [Theory]
    [InlineData(nameof(RuleThresholds.SloTarget))]
    [InlineData(nameof(RuleThresholds.RateLimitWindow))]
    [InlineData(nameof(RuleThresholds.RateLimitedShare))]
    [InlineData(nameof(RuleThresholds.LatencyMinBaseline))]
    public void ValuesOutOfRangeAreRefused(string property)
    {
        var thresholds = new RuleThresholds();
        var overrides = new RuleOverrides();
        switch (property)
        {
            case nameof(RuleThresholds.SloTarget):
                thresholds.SloTarget = 0.999999;
                overrides.SloTarget = 0.999999;
                break;
            case nameof(RuleThresholds.RateLimitWindow):
                thresholds.RateLimitWindow = TimeSpan.FromDays(2);
                overrides.RateLimitWindow = TimeSpan.FromDays(2);
                break;
            case nameof(RuleThresholds.RateLimitedShare):
                thresholds.RateLimitedShare = 0;
                overrides.RateLimitedShare = 0;
                break;
            default:
                // More than the baseline holds: the latency rule could never fire.
                thresholds.LatencyMinBaseline = 60;
                overrides.LatencyMinBaseline = 20_000;
                break;
        }

        Assert.Contains(Validate(thresholds), r => r.MemberNames.Contains(property));
        Assert.Contains(Validate(overrides), r => r.MemberNames.Contains(property));
    }

    [Fact]
    public void AVolumeOrStuckRunHistoryThatCouldNeverBeLongEnoughIsRefused()
    {
        Assert.Contains(Validate(new RuleThresholds { VolumeBaselineRuns = 4, VolumeMinBaseline = 5 }),
            r => r.MemberNames.Contains(nameof(RuleThresholds.VolumeMinBaseline)));
        Assert.Contains(Validate(new RuleThresholds { StuckRunBaselineRuns = 3, StuckRunMinHistory = 5 }),
            r => r.MemberNames.Contains(nameof(RuleThresholds.StuckRunMinHistory)));
        Assert.Contains(Validate(new RuleOverrides { StuckRunFloor = TimeSpan.Zero }), r => r.MemberNames.Contains(nameof(RuleOverrides.StuckRunFloor)));
        var merged = new RuleThresholds().WithOverrides(new RuleOverrides { VolumeMadFactor = 8, StreamingSilenceFloor = TimeSpan.FromMinutes(2) });
        Assert.Equal((8.0, TimeSpan.FromMinutes(2), 20), (merged.VolumeMadFactor, merged.StreamingSilenceFloor, merged.VolumeBaselineRuns));
    }

    [Fact]
    public void UnsetOverridesAreValid()
    {
        Assert.Empty(Validate(new RuleOverrides()));
    }

    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
