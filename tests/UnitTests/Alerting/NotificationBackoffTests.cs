using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class NotificationBackoffTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(7, 320)]
    [InlineData(8, 600)]
    [InlineData(1000, 600)]
    [InlineData(int.MaxValue, 600)]
    public void TheDelayDoublesFromFiveSecondsUpToTenMinutes(int attempt, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), NotificationBackoff.Delay(attempt));
    }

    [Fact]
    public void JitterOnlyShortensTheDelayAndByAtMostAFifth()
    {
        var random = new Random(42);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var delay = NotificationBackoff.Delay(attempt, random);
            Assert.InRange(delay, NotificationBackoff.Delay(attempt) * 0.8, NotificationBackoff.Delay(attempt));
        }
    }

    [Fact]
    public void AttemptsCountFromOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NotificationBackoff.Delay(0));
    }
}
