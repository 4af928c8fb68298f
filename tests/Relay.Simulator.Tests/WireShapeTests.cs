using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Relay.Simulator.Tests;

/// <summary>
/// The simulator's bytes against the real capture in shared/reference/openrouter-streaming.md §3.2 (copied
/// here): same framing, key order and field set, with only ids, text and numbers differing.
/// </summary>
public sealed partial class WireShapeTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private const string CapturedContentChunk =
        """data: {"id":"gen-1777319809-KRozO9hOQbdWkZAi8Zj7","object":"chat.completion.chunk","created":1777319809,"model":"openai/gpt-5.4-nano-20260317","provider":"OpenAI","choices":[{"index":0,"delta":{"content":"Olá","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}""";

    private const string CapturedUsageChunk =
        """data: {"id":"gen-1777319809-KRozO9hOQbdWkZAi8Zj7","object":"chat.completion.chunk","created":1777319809,"model":"openai/gpt-5.4-nano-20260317","provider":"OpenAI","service_tier":"default","choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"completed"}],"usage":{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26,"cost":0.00001255,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},"cost_details":{"upstream_inference_cost":0.00001255,"upstream_inference_prompt_cost":0.0000038,"upstream_inference_completions_cost":0.00000875},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0,"audio_tokens":0}}}""";

    [Fact]
    public async Task Chunks_have_the_captured_framing_key_order_and_fields()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sim.Host.BaseUrl, "chat/completions"))
        {
            Content = new StringContent("""{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"x"}],"stream":true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(SimulatorKnobs.HeaderName, "tokens=3");
        using var response = await sim.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream"), response.Content.Headers.ContentType);
        var events = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(": OPENROUTER PROCESSING", events[0]);
        Assert.Equal(Shape(CapturedContentChunk), Shape(events[1]));
        Assert.Equal(Shape(CapturedUsageChunk.Replace(",\"service_tier\":\"default\"", "", StringComparison.Ordinal)), Shape(events[^2]));
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Matches("^gen-[0-9]+-[0-9a-f]{20}$", Regex.Match(events[1], "\"id\":\"([^\"]+)\"").Groups[1].Value);
    }

    /// <summary>The chunk with every string and number value blanked: what remains is framing, keys and their order.</summary>
    private static string Shape(string chunk) => Numbers().Replace(Strings().Replace(chunk, ":\"\""), ":0");

    [GeneratedRegex(":\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@":-?[0-9][0-9.eE+-]*")]
    private static partial Regex Numbers();
}
