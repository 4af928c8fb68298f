using Relay.Contracts.Sse;

namespace Relay.Contracts.Tests;

/// <summary>
/// Runs every vector of TestData/sse-conformance through <see cref="SseEventReader"/> whole, in its given
/// chunks and one byte at a time. The reader's final state is what a resume would send: the snapshot taken
/// at the last dispatched event (the parser's state is never read after end of input).
/// </summary>
public sealed class SseConformanceTests
{
    /// <summary>
    /// The only departures allowed: those of <c>shared/reference/sse-resume-and-backoff.md</c> §2.6 that a wrapper
    /// cannot correct, because <c>SseParser</c> never surfaces a block without data. Each is asserted to still hold
    /// with the exact outcome given here, so a parser that starts to conform fails this test and the entry goes.
    /// </summary>
    private static readonly Dictionary<string, (string Deviation, ExpectedSseEvent[] Events, string FinalId, long? FinalRetry)> Deviations = new()
    {
        ["spec/event type is reset by a block with no data"] = (
            "§2.6 item 2: a block without data does not reset the event type",
            [new ExpectedSseEvent("ping", "x", "", null)],
            "",
            null),
        ["esp/id from a block without data is committed"] = (
            "§2.6 item 3: the state is taken only at a dispatched event (never after end of input), so an id-only block is not seen",
            [],
            "",
            null),
        ["spec/retry-only block"] = (
            "§2.6 item 3: the state is taken only at a dispatched event (never after end of input), so a retry-only block is not seen",
            [],
            "",
            null),
        ["spec/retry in an unterminated block still applies"] = (
            "§2.6 item 3: the state is taken only at a dispatched event (never after end of input), so a retry with no event after it is not seen",
            [],
            "",
            null),
    };

    /// <summary>Each vector fed whole, one byte at a time and in its chunks, to both readers: text and UTF-8.</summary>
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var v in SseConformanceVector.LoadAll())
        {
            foreach (var reader in new[] { "text", "utf8" })
            {
                data.Add(v.Name, "whole", reader);
                data.Add(v.Name, "bytes", reader);
                if (v.Chunks is not null)
                {
                    data.Add(v.Name, "chunks", reader);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Vector_is_read_as_the_spec_says(string name, string feed, string reader)
    {
        var v = SseConformanceVector.LoadAll().Single(x => x.Name == name);
        Stream input = feed switch
        {
            "whole" => new MemoryStream(v.Input),
            "bytes" => ChunkedReadStream.OneByteAtATime(v.Input),
            _ => new ChunkedReadStream(v.Chunks!),
        };

        var actual = new List<ExpectedSseEvent>();
        var ct = TestContext.Current.CancellationToken;
        if (reader == "text")
        {
            await foreach (var e in SseEventReader.ReadAsync(input, cancellationToken: ct))
            {
                actual.Add(new ExpectedSseEvent(e.EventType, e.Data, e.LastEventId, (long?)e.Retry?.TotalMilliseconds));
            }
        }
        else
        {
            await foreach (var e in SseEventReader.ReadUtf8Async(input, cancellationToken: ct))
            {
                // Decoded now: the data is valid only until the next event.
                var text = System.Text.Encoding.UTF8.GetString(e.Data.Span);
                actual.Add(new ExpectedSseEvent(e.EventType, text, e.EventId ?? "", (long?)e.ReconnectionInterval?.TotalMilliseconds));
            }
        }

        var finalId = actual.Count > 0 ? actual[^1].Id : "";
        var finalRetry = actual.Count > 0 ? actual[^1].Retry : null;
        if (Deviations.TryGetValue(name, out var deviation))
        {
            var conforms = v.Expected.SequenceEqual(actual) && v.FinalLastEventId == finalId && v.FinalRetry == finalRetry;
            Assert.False(conforms, $"no longer deviates: {deviation.Deviation}");
            Assert.Equal(deviation.Events, actual);
            Assert.Equal(deviation.FinalId, finalId);
            Assert.Equal(deviation.FinalRetry, finalRetry);
            return;
        }

        Assert.Equal(v.Expected, actual);
        Assert.Equal(v.FinalLastEventId, finalId);
        Assert.Equal(v.FinalRetry, finalRetry);
    }

    [Fact]
    public async Task An_event_over_the_limit_ends_the_read_with_EVENT_TOO_LARGE()
    {
        var big = "data: " + new string('x', 5000) + "\n\n";
        var input = System.Text.Encoding.UTF8.GetBytes("data: small\n\n" + big + "data: never\n\n");
        var events = new List<SseFrame>();
        var ex = await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var e in SseEventReader.ReadAsync(ChunkedReadStream.OneByteAtATime(input), 1024, TestContext.Current.CancellationToken))
            {
                events.Add(e);
            }
        });
        Assert.Equal(StreamErrorCode.EventTooLarge, ex.Error.Code);
        Assert.Equal("small", Assert.Single(events).Data);
    }

    [Fact]
    public async Task Many_small_events_never_trip_the_limit()
    {
        var input = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("data: 0123456789\n\n", 1000)));
        var count = 0;
        await foreach (var e in SseEventReader.ReadAsync(new MemoryStream(input), 64, TestContext.Current.CancellationToken))
        {
            count++;
        }

        Assert.Equal(1000, count);
    }

    [Fact]
    public void Arguments_are_checked_eagerly()
    {
        Assert.Throws<ArgumentNullException>(() => SseEventReader.ReadAsync(null!, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => SseEventReader.ReadAsync(new MemoryStream(), 0, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentNullException>(() => SseEventReader.ReadUtf8Async(null!, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => SseEventReader.ReadUtf8Async(new MemoryStream(), 0, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Read_as_bytes_each_event_is_its_whole_data_however_the_bytes_arrive()
    {
        // Growing events (the reused buffer must grow), multi-line data, a character split across reads, then a short one.
        string[] data = ["a", new string('b', 3000), "line one\nline two", "Olá 😊", new string('c', 9000), "z"];
        var input = System.Text.Encoding.UTF8.GetBytes(string.Concat(data.Select(d => "data: " + d.Replace("\n", "\ndata: ", StringComparison.Ordinal) + "\n\n")));
        var seen = new List<string>();
        await foreach (var e in SseEventReader.ReadUtf8Async(ChunkedReadStream.OneByteAtATime(input), 16 * 1024, TestContext.Current.CancellationToken))
        {
            seen.Add(System.Text.Encoding.UTF8.GetString(e.Data.Span)); // valid until the next event, so decoded now
        }

        Assert.Equal(data, seen);
    }

    [Fact]
    public async Task Read_as_bytes_an_event_over_the_limit_ends_the_read_with_EVENT_TOO_LARGE()
    {
        var input = System.Text.Encoding.UTF8.GetBytes("data: small\n\ndata: " + new string('x', 5000) + "\n\ndata: never\n\n");
        var seen = new List<string>();
        var ex = await Assert.ThrowsAsync<StreamErrorException>(async () =>
        {
            await foreach (var e in SseEventReader.ReadUtf8Async(new MemoryStream(input), 1024, TestContext.Current.CancellationToken))
            {
                seen.Add(System.Text.Encoding.UTF8.GetString(e.Data.Span));
            }
        });
        Assert.Equal(StreamErrorCode.EventTooLarge, ex.Error.Code);
        Assert.Equal("small", Assert.Single(seen));
    }

    [Fact]
    public void All_129_vectors_are_present()
    {
        Assert.Equal(129, SseConformanceVector.LoadAll().Count);
    }
}
