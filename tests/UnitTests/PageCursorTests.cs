using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.UnitTests;

public class PageCursorTests
{
    [Fact]
    public void CursorSurvivesEncodingExactly()
    {
        var cursor = new PageCursor(new DateTimeOffset(2026, 3, 1, 23, 59, 59, 123, TimeSpan.Zero).AddTicks(4567), Guid.NewGuid());

        Assert.True(PageCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void GarbageIsNotACursor(string text) => Assert.False(PageCursor.TryDecode(text, out _));
}
