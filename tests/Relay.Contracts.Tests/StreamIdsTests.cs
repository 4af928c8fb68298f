namespace Relay.Contracts.Tests;

public sealed class StreamIdsTests
{
    [Fact]
    public void New_ids_are_21_url_safe_characters_and_differ()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => StreamIds.New()).ToList();
        Assert.All(ids, id =>
        {
            Assert.Equal(21, id.Length);
            Assert.Matches("^[A-Za-z0-9_-]{21}$", id);
            Assert.True(StreamIds.IsValid(id));
        });
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("abcdefgh", true)]
    [InlineData("abc-_DEF9", true)]
    [InlineData("abcdefg", false)]
    [InlineData("abcdefgh!", false)]
    [InlineData("abc defgh", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Client_ids_are_8_to_64_url_safe_characters(string? id, bool valid) => Assert.Equal(valid, StreamIds.IsValid(id));

    [Fact]
    public void A_64_character_id_is_the_longest_accepted()
    {
        Assert.True(StreamIds.IsValid(new string('a', 64)));
        Assert.False(StreamIds.IsValid(new string('a', 65)));
    }

    [Theory]
    [InlineData("abc:1", "abc", 1L)]
    [InlineData("a:b:42", "a:b", 42L)]
    public void Event_ids_parse(string eventId, string streamId, long seq)
    {
        Assert.True(StreamIds.TryParseEventId(eventId, out var s, out var n));
        Assert.Equal(streamId, s);
        Assert.Equal(seq, n);
        Assert.Equal(eventId, StreamIds.FormatEventId(s, n));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("abc")]
    [InlineData(":1")]
    [InlineData("abc:0")]
    [InlineData("abc:-1")]
    [InlineData("abc:x")]
    [InlineData("abc: 1")]
    public void Bad_event_ids_do_not_parse(string? eventId) => Assert.False(StreamIds.TryParseEventId(eventId, out _, out _));
}
