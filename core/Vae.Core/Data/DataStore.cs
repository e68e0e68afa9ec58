// The data root on disk: finds a file's local form, downloads a missing one, verifies SHA-256 of what it returns.
// Owns: checksum policy, atomic downloads (temp file in the same folder, verify, rename). Must not: parse formats.
// Policy: every read hashes exactly the bytes it returns (SHA-256 costs ~1 ms per MB here, small next to parsing),
// so no cache of verification results is needed and a file changed on disk can never be used unverified.
using System.Security.Cryptography;

namespace Vae.Core.Data;

/// <summary>Fetches a URL into a stream; throws on any failure (HTTP status, network, timeout).</summary>
public interface IFileFetcher
{
    /// <summary>Writes the body of <paramref name="url"/> to <paramref name="destination"/>.</summary>
    void Fetch(string url, Stream destination);
}

/// <summary>Plain HTTP(S) GET with a connect timeout, following redirects.</summary>
public sealed class HttpFetcher : IFileFetcher
{
    /// <inheritdoc/>
    public void Fetch(string url, Stream destination)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20), AllowAutoRedirect = true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(30) };
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var body = response.Content.ReadAsStream();
        body.CopyTo(destination);
    }
}

/// <summary>Checksum state of one local file form.</summary>
public sealed record VerifyResult(string Path, bool Present, bool Ok, string Expected, string? Found);

/// <summary>Access to the data files under one <see cref="DataRoot"/>.</summary>
public sealed class DataStore
{
    readonly IFileFetcher? _fetcher;
    readonly TextWriter? _log;

    /// <summary>The root this store reads from and downloads into.</summary>
    public DataRoot Root { get; }

    /// <summary>A store over <paramref name="root"/>. <paramref name="fetcher"/> null disables downloads (a missing file
    /// then fails with a message naming the URLs and the folder); <paramref name="log"/> receives download progress lines.</summary>
    public DataStore(DataRoot root, IFileFetcher? fetcher, TextWriter? log = null) => (Root, _fetcher, _log) = (root, fetcher, log);

    /// <summary>A store over <paramref name="root"/> that downloads missing files over HTTP.</summary>
    public DataStore(DataRoot root) : this(root, new HttpFetcher(), Console.Error) { }

    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lower-case hex SHA-256 of the file at <paramref name="path"/>, streamed.</summary>
    public static string Sha256OfFile(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>The bytes of <paramref name="file"/> (downloading it if no form is present) and the path they came from;
    /// a SHA-256 mismatch throws <see cref="ChecksumMismatchException"/>.</summary>
    public (byte[] Bytes, string Path) ReadVerified(DataFile file)
    {
        var (path, form) = Ensure(file);
        byte[] bytes = Compression.ReadFile(path);
        string found = Sha256Hex(bytes);
        if (found != form.Sha256)
            throw new ChecksumMismatchException(path, form.Sha256, found, bytes.Length,
                "The file is corrupt, partial or a different version: delete it so it is downloaded again" +
                (form.Urls.Count > 0 ? $", or replace it with the file from {string.Join(" or ", form.Urls)}." : "."));
        return (bytes, path);
    }

    /// <summary>The local path and form of <paramref name="file"/>: the first form present, else the first downloadable
    /// form, downloaded now. Downloads are verified before they get their final name; nothing partial is left behind.</summary>
    public (string Path, FileForm Form) Ensure(DataFile file)
    {
        foreach (var form in file.Forms)
        {
            string p = Root.PathOf(file, form);
            if (File.Exists(p)) return (p, form);
        }
        var target = file.Forms.FirstOrDefault(f => f.Urls.Count > 0) ?? file.Forms[0];
        string path = Root.PathOf(file, target);
        if (target.Urls.Count == 0) throw new DataUnavailableException(path, [], "no download URL is known for it");
        if (_fetcher is null) throw new DataUnavailableException(path, target.Urls, "downloads are disabled");
        Download(path, target);
        return (path, target);
    }

    void Download(string path, FileForm form)
    {
        string folder = System.IO.Path.GetDirectoryName(path)!;
        var failures = new List<string>();
        ChecksumMismatchException? mismatch = null;
        foreach (string url in form.Urls)
        {
            string temp = System.IO.Path.Combine(folder, $".{form.Name}.{Guid.NewGuid():N}.part");
            try
            {
                Directory.CreateDirectory(folder);
                _log?.WriteLine($"downloading {url} -> {path}");
                string found;
                long length;
                using (var s = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite))
                {
                    _fetcher!.Fetch(url, s);
                    length = s.Length;
                    s.Position = 0;
                    found = Convert.ToHexStringLower(SHA256.HashData(s));
                }
                if (found != form.Sha256)
                {
                    mismatch = new ChecksumMismatchException(path, form.Sha256, found, length,
                        $"The download from {url} was discarded; nothing was saved.");
                    failures.Add($"{url}: SHA-256 expected {form.Sha256}, found {found}");
                    continue;
                }
                File.Move(temp, path, overwrite: true);
                _log?.WriteLine($"downloaded {path} ({length} bytes, SHA-256 verified)");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException or InvalidOperationException)
            {
                failures.Add($"{url}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                TryDelete(temp);
            }
        }
        if (mismatch is not null && failures.Count == 1) throw mismatch;
        throw new DataUnavailableException(path, form.Urls, string.Join("; ", failures), mismatch);
    }

    static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Hashes every present form of every file of <paramref name="dataset"/> (the explicit check behind
    /// `vae data verify`); a missing form is reported, not downloaded.</summary>
    public IReadOnlyList<VerifyResult> Verify(DatasetInfo dataset)
    {
        var results = new List<VerifyResult>();
        foreach (var file in dataset.Files)
            foreach (var form in file.Forms)
            {
                string p = Root.PathOf(file, form);
                if (!File.Exists(p)) { results.Add(new(p, false, false, form.Sha256, null)); continue; }
                string found = Sha256OfFile(p);
                results.Add(new(p, true, found == form.Sha256, form.Sha256, found));
            }
        return results;
    }
}
