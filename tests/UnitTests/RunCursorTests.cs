using ConnectorHealth.Metrics.Queries;

namespace ConnectorHealth.UnitTests;

public class RunCursorTests
{
    [Fact]
    public void CursorSurvivesEncodingExactly()
    {
        var cursor = new RunCursor(new DateTimeOffset(2026, 3, 1, 23, 59, 59, 123, TimeSpan.Zero).AddTicks(4567), Guid.NewGuid());

        Assert.True(RunCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void GarbageIsNotACursor(string text) => Assert.False(RunCursor.TryDecode(text, out _));
}
