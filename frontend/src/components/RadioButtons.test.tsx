import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { RadioButtons } from "./RadioButtons";

afterEach(cleanup);

function Intervals() {
  const [value, setValue] = useState("5m");
  const options = [
    ["1m", "1m"],
    ["5m", "5m"],
    ["1h", "1h"],
  ] as const;
  return <RadioButtons className="intervals" label="Interval" options={options} value={value} onChange={setValue} />;
}

describe("RadioButtons: a roving radio group", () => {
  it("is one tab stop, the chosen radio; arrows move and choose, wrapping; Home and End jump", () => {
    render(<Intervals />);
    const radio = (name: string) => screen.getByRole("radio", { name });
    expect([radio("1m").tabIndex, radio("5m").tabIndex, radio("1h").tabIndex]).toEqual([-1, 0, -1]);

    radio("5m").focus();
    fireEvent.keyDown(radio("5m"), { key: "ArrowRight" });
    expect(radio("1h").getAttribute("aria-checked")).toBe("true");
    expect(document.activeElement).toBe(radio("1h"));
    expect([radio("5m").tabIndex, radio("1h").tabIndex]).toEqual([-1, 0]);

    fireEvent.keyDown(radio("1h"), { key: "ArrowDown" }); // wraps to the first
    expect(document.activeElement).toBe(radio("1m"));
    fireEvent.keyDown(radio("1m"), { key: "ArrowLeft" }); // and back round to the last
    expect(radio("1h").getAttribute("aria-checked")).toBe("true");
    fireEvent.keyDown(radio("1h"), { key: "Home" });
    expect(radio("1m").getAttribute("aria-checked")).toBe("true");
    fireEvent.keyDown(radio("1m"), { key: "End" });
    expect(document.activeElement).toBe(radio("1h"));
    fireEvent.keyDown(radio("1h"), { key: "a" }); // other keys: nothing
    expect(radio("1h").getAttribute("aria-checked")).toBe("true");
  });
});
