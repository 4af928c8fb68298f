using Microsoft.Playwright;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;
using static Microsoft.Playwright.Assertions;

namespace Relay.EndToEnd.Tests;

/// <summary>The chat page the edge serves at <c>/</c>, in a real Chromium (Debian's, driven by Playwright).</summary>
public sealed class ChatPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Prompt = "Tell me about rivers";
    private const int Tokens = 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Expected => SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(Prompt)], tokens: Tokens).Text;

    [Fact]
    public async Task Tokens_show_while_the_answer_is_held_then_the_exact_answer_and_its_usage()
    {
        await using var servers = await HeldAtAsync(Tokens);
        var page = await browser.OpenAsync(servers.Edge.Url);
        await Expect(page.Locator("#token-form")).ToBeHiddenAsync(); // this edge needs no token

        // The model picker lists the simulator's models with the edge's default chosen.
        await Expect(page.Locator("#model option")).ToHaveCountAsync(SimulatedModel.All.Count);
        await Expect(page.Locator("#model")).ToHaveValueAsync(SimulatedModel.DefaultId);

        // Shift+Enter adds a line; Enter sends.
        await page.Locator("#prompt").FillAsync("Tell me about");
        await page.Locator("#prompt").PressAsync("Shift+Enter");
        await Expect(page.Locator("#prompt")).ToHaveValueAsync("Tell me about\n");
        await page.Locator("#prompt").FillAsync(Prompt);
        await page.Locator("#prompt").PressAsync("Enter");

        var answer = page.Locator(".answer").Last;
        await servers.Simulator.Gates.WaitReachedAsync("hold", Ct);
        await Expect(answer).ToHaveAttributeAsync("data-text", Expected[..Expected.LastIndexOf(' ')]);
        servers.Simulator.Gates.Release("hold");
        await Expect(page.Locator(".usage").Last).ToContainTextAsync($"{Tokens} out tokens");
        Assert.Equal(Expected, await answer.GetAttributeAsync("data-text"));
        Assert.Contains("first token", await page.Locator(".usage").Last.TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_reset_mid_answer_shows_reconnecting_then_the_exact_answer()
    {
        await using var servers = await HeldAtAsync(30);
        await using var proxy = new FaultProxy(servers.Edge.Url);
        var page = await browser.OpenAsync(proxy.Url);
        await AskUntilHeldAsync(page, servers);
        await Expect(page.Locator(".answer").Last).Not.ToHaveAttributeAsync("data-text", "");

        proxy.ResetOpen();
        await Expect(page.Locator("#status")).ToContainTextAsync("reconnecting in");
        servers.Simulator.Gates.Release("hold");
        await Expect(page.Locator(".usage").Last).ToContainTextAsync($"{Tokens} out tokens");
        Assert.Equal(Expected, await page.Locator(".answer").Last.GetAttributeAsync("data-text"));
        Assert.Equal(1, servers.Simulator.GetStats().Requests); // resumed, never asked again
    }

    [Fact]
    public async Task A_reload_mid_answer_continues_the_same_answer_with_nothing_twice()
    {
        await using var servers = await HeldAtAsync(30);
        var page = await browser.OpenAsync(servers.Edge.Url);
        await AskUntilHeldAsync(page, servers);

        await page.ReloadAsync();
        await Expect(page.Locator(".user").Last).ToHaveTextAsync(Prompt);
        servers.Simulator.Gates.Release("hold");
        await Expect(page.Locator(".usage").Last).ToContainTextAsync($"{Tokens} out tokens");
        await Expect(page.Locator(".answer")).ToHaveCountAsync(1);
        Assert.Equal(Expected, await page.Locator(".answer").Last.GetAttributeAsync("data-text"));
        Assert.Equal(1, servers.Simulator.GetStats().Requests);
    }

    [Fact]
    public async Task Stop_cancels_the_upstream_and_keeps_the_partial_answer_marked_stopped()
    {
        await using var servers = await HeldAtAsync(20);
        var page = await browser.OpenAsync(servers.Edge.Url);
        await AskUntilHeldAsync(page, servers);
        await Expect(page.Locator(".answer").Last).Not.ToHaveAttributeAsync("data-text", "");

        await page.Locator("#stop").ClickAsync();
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
        await Expect(page.Locator(".usage").Last).ToContainTextAsync("stopped");
        Assert.StartsWith(await page.Locator(".answer").Last.GetAttributeAsync("data-text") ?? "", Expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_view_follows_the_answer_unless_the_reader_scrolled_up_and_ends_with_the_usage_line_above_the_composer()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=300;gate=first@150";
        var page = await browser.OpenAsync(servers.Edge.Url);
        await page.SetViewportSizeAsync(480, 360); // a long answer is taller than the window

        // While it streams, the newest text is in view, above the composer.
        await AskUntilHeldAsync(page, servers, "first");
        await Expect(page.Locator(".answer").Last).Not.ToHaveAttributeAsync("data-text", "");
        Assert.True(await InViewAsync(page, ".answer"), "the newest text is under the composer or out of view");

        // A reader who scrolled up stays where they are while the rest comes in...
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.WaitForFunctionAsync("() => window.scrollY === 0");
        servers.Simulator.Gates.Release("first");
        await Expect(page.Locator(".usage").Last).ToContainTextAsync("300 out tokens");
        Assert.Equal(0, await page.EvaluateAsync<double>("() => window.scrollY"));

        // ...and whoever stays at the end sees the last line and the usage line, not the composer over them.
        await page.EvaluateAsync("() => window.scrollTo(0, document.documentElement.scrollHeight)");
        servers.Simulator.DefaultKnobs = "tokens=300";
        await AskAsync(page);
        await Expect(page.Locator(".usage")).ToHaveCountAsync(2);
        await Expect(page.Locator(".usage").Last).ToContainTextAsync("out tokens");
        Assert.True(await InViewAsync(page, ".usage"), "the usage line is under the composer or out of view");

        // The same after Stop.
        servers.Simulator.DefaultKnobs = "tokens=300;gate=third@150";
        await AskUntilHeldAsync(page, servers, "third");
        await Expect(page.Locator(".answer").Last).Not.ToHaveAttributeAsync("data-text", "");
        await page.Locator("#stop").ClickAsync();
        await Expect(page.Locator(".usage").Last).ToContainTextAsync("stopped");
        Assert.True(await InViewAsync(page, ".usage"), "the stopped answer's usage line is under the composer or out of view");
    }

    [Fact]
    public async Task Errors_show_their_code_and_a_hint_and_a_wrong_token_the_401()
    {
        await using (var servers = await RelayServers.StartAsync(cancellationToken: Ct))
        {
            servers.Simulator.DefaultKnobs = "status=402";
            var page = await browser.OpenAsync(servers.Edge.Url);
            await AskAsync(page);
            await Expect(page.Locator(".error").Last).ToContainTextAsync("INSUFFICIENT_CREDITS");
            await Expect(page.Locator(".error").Last).ToContainTextAsync(ErrorHints.ForPage(StreamError.Create(StreamErrorCode.InsufficientCredits))!);
        }

        await using (var guarded = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_TOKENS"] = "right-token" }, cancellationToken: Ct))
        {
            var page = await browser.OpenAsync(guarded.Edge.Url);
            await Expect(page.Locator("#token-form")).ToBeVisibleAsync();
            await page.Locator("#token").FillAsync("wrong-token");
            await page.Locator("#token-form button").ClickAsync();
            await AskAsync(page);
            await Expect(page.Locator(".error").Last).ToContainTextAsync("UNAUTHORIZED");

            await page.Locator("#token").FillAsync("right-token");
            await page.Locator("#token-form button").ClickAsync();
            await AskAsync(page);
            await Expect(page.Locator(".usage").Last).ToContainTextAsync("out tokens");
        }
    }

    [Fact]
    public async Task The_conversation_is_sent_as_history_kept_across_reloads_and_cleared_by_new_chat()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=8";
        var page = await browser.OpenAsync(servers.Edge.Url);
        await AskAsync(page);
        await Expect(page.Locator(".usage")).ToHaveCountAsync(1);
        await Expect(page.Locator(".usage").Last).ToContainTextAsync("out tokens");
        var first = await page.Locator(".answer").Last.GetAttributeAsync("data-text");

        await page.Locator("#prompt").FillAsync("And the sea?");
        await page.Locator("#prompt").PressAsync("Enter");
        await Expect(page.Locator(".usage").Nth(1)).ToContainTextAsync("out tokens");
        List<ChatMessage> history = [ChatMessage.User(Prompt), ChatMessage.Assistant(first!), ChatMessage.User("And the sea?")];
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, history, tokens: 8).Text, await page.Locator(".answer").Last.GetAttributeAsync("data-text"));

        await page.ReloadAsync();
        await Expect(page.Locator(".user")).ToHaveTextAsync([Prompt, "And the sea?"]);
        await page.Locator("#new-chat").ClickAsync();
        await Expect(page.Locator(".turn")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Markdown_is_rendered_and_HTML_from_a_model_never_runs()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        var page = await browser.OpenAsync(servers.Edge.Url);
        var html = await page.EvaluateAsync<string>("""
            () => {
              const view = addTurn("x");
              view.append('**bold** <img src="x" onerror="window.pwned = 1"><script>window.pwned = 2</script> [link](javascript:window.pwned=3) <form id="ask"><button id="send">x</button></form>');
              view.flush();
              view.answer.querySelector("a")?.click();
              return view.answer.innerHTML;
            }
            """);
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("onerror", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", html, StringComparison.Ordinal); // nothing that could shadow the page's own controls
        Assert.DoesNotContain("<button", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=", html, StringComparison.Ordinal);
        await page.EvaluateAsync("() => new Promise(r => setTimeout(r, 0))"); // an image error fires after a turn of the loop
        Assert.Null(await page.EvaluateAsync<int?>("() => window.pwned ?? null"));
    }

    /// <summary>Servers whose simulator holds every answer before token <paramref name="heldAt"/> until "hold" is released.</summary>
    private static async Task<RelayServers> HeldAtAsync(int heldAt)
    {
        var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = $"tokens={Tokens};gate=hold@{heldAt}";
        return servers;
    }

    private static async Task AskUntilHeldAsync(IPage page, RelayServers servers, string gate = "hold")
    {
        await AskAsync(page);
        await servers.Simulator.Gates.WaitReachedAsync(gate, Ct);
    }

    /// <summary>Whether the last <paramref name="selector"/> ends inside the window and above the composer (#ask), which stays on top.</summary>
    private static Task<bool> InViewAsync(IPage page, string selector) => page.EvaluateAsync<bool>($$"""
        () => {
          const last = [...document.querySelectorAll("{{selector}}")].at(-1).getBoundingClientRect();
          const composer = document.getElementById("ask").getBoundingClientRect();
          return last.bottom > 0 && last.bottom <= composer.top + 1 && composer.bottom <= window.innerHeight + 1;
        }
        """);

    private static async Task AskAsync(IPage page)
    {
        await page.Locator("#prompt").FillAsync(Prompt);
        await page.Locator("#prompt").PressAsync("Enter");
    }
}
