// The paper-figure layer: Fig. 2-style panels become a PNG of the requested size through headless Chromium, and a
// missing browser is a clear error rather than a silent skip.
module Vae.Experiments.Tests.FiguresTests

open System.IO
open Expecto
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

let private curve (offset: float) =
    [ for i in 0..4 ->
          let s = 100_000L * int64 (pown 3 i)
          Vae.Core.Training.CurvePoint(s, i, s / 100L, float i, -150.0 + offset + float i * 5.0, -152.0 + offset + float i * 5.0) ]

[<Tests>]
let tests =
    testList "Figures" [
        test "Panels_render_to_a_PNG_of_the_requested_size" {
            use tmp = new TempDir()
            let chart =
                Figures.panels "test" 2
                    [ "MNIST, Dz = 3", [ { Method = "AEVB"; Points = curve 0.0 }; { Method = "wake-sleep"; Points = curve -20.0 } ]
                      "MNIST, Dz = 5", [ { Method = "AEVB"; Points = curve 3.0 } ] ]
            let png = Path.Combine(tmp.Path, "sub", "fig.png")
            Figures.savePng png 720 400 chart
            let bytes = File.ReadAllBytes png
            Expect.equal bytes[0..7] [| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |] "PNG signature"
            let be (o: int) = (int bytes[o] <<< 24) ||| (int bytes[o + 1] <<< 16) ||| (int bytes[o + 2] <<< 8) ||| int bytes[o + 3]
            Expect.equal (be 16, be 20) (720, 400) "IHDR width and height"
            Expect.isGreaterThan bytes.Length 5000 "more than a blank page's worth of pixels"
        }

        test "The_browser_is_looked_up_in_VAE_CHROMIUM_then_PATH_and_absent_when_neither_has_it" {
            Expect.isNone (Figures.findChromium (fun _ -> None)) "empty environment"
            Expect.isNone (Figures.findChromium (fun k -> if k = "PATH" then Some "/nonexistent" else None)) "PATH without it"
            let here = System.Reflection.Assembly.GetExecutingAssembly().Location
            Expect.equal (Figures.findChromium (fun k -> if k = "VAE_CHROMIUM" then Some here else None)) (Some here) "VAE_CHROMIUM wins"
        }
    ]
