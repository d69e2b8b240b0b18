using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class FlappingTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(new[] { 5, 20, 40 }, 3, true)]
    [InlineData(new[] { 5, 20 }, 3, false)]
    [InlineData(new[] { 5, 20, 60 }, 3, true)]   // exactly at the window's start still counts
    [InlineData(new[] { 5, 20, 61 }, 3, false)]  // just before it does not
    [InlineData(new[] { 5, 20, 90, 120, 180 }, 3, false)]
    [InlineData(new int[0], 1, false)]
    [InlineData(new[] { 59 }, 1, true)]
    public void AFingerprintResolvedThresholdTimesWithinTheWindowIsFlapping(int[] minutesAgo, int threshold, bool flapping)
    {
        var resolutions = minutesAgo.Select(m => Now.AddMinutes(-m)).ToList();

        Assert.Equal(flapping, Flapping.IsFlapping(resolutions, Now, Window, threshold));
    }

    [Fact]
    public void AThresholdBelowOneIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Flapping.IsFlapping([], Now, Window, 0));
    }
}
