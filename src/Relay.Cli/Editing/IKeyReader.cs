namespace Relay.Cli.Editing;

/// <summary>Where the line editor's keys come from: the console, or a script in tests.</summary>
internal interface IKeyReader
{
    /// <summary>Whether a key is already waiting (a paste arrives as a burst of keys).</summary>
    bool KeyAvailable { get; }

    /// <summary>The next key, without echo; blocks until there is one.</summary>
    ConsoleKeyInfo ReadKey();
}
