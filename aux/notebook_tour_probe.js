// What aux/notebook_tour.py reads from the open notebook, cell by cell (page.evaluate).
// Only what JupyterLab rendered: boxes, sizes, computed styles, typeset formulas, links.
(tileSelector) => {
  const panel = window.tourWidget.node;
  // JupyterLab moves the id of a heading (markdown or HTML output) to data-jupyter-id.
  const ids = new Set(
    [...panel.querySelectorAll('[id], [data-jupyter-id]')].flatMap((node) => [
      node.id,
      node.getAttribute('data-jupyter-id'),
    ])
  );
  const transparent = (color) => color === 'transparent' || /^rgba\(.*,\s*0\)$/.test(color);
  const shown = (node) => {
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(node).visibility !== 'hidden';
  };

  const lines = (output) => {
    const text = output.innerText.replace(/\n+$/, '');
    if (!text) return 0;
    const all = text.split('\n');
    // Plain text counts every line; HTML counts the lines that hold text (rows of a table).
    return output.classList.contains('jp-RenderedText') ? all.length : all.filter((l) => l.trim()).length;
  };

  const tile = (node) => {
    const style = getComputedStyle(node);
    const faults = [];
    const sides = ['Top', 'Right', 'Bottom', 'Left'];
    const border = sides.some(
      (s) => parseFloat(style[`border${s}Width`]) > 0 && style[`border${s}Style`] !== 'none'
    );
    if (!border && transparent(style.backgroundColor) && style.boxShadow === 'none') {
      faults.push('no border, background or shadow');
    }
    const parts = [...node.children];
    if (parts.length >= 2) {
      const label = parts[0].getBoundingClientRect();
      const value = parts[parts.length - 1].getBoundingClientRect();
      if (label.bottom > value.top + 1) faults.push('label and value on one line');
    }
    const row = getComputedStyle(node.parentElement).display;
    if (!/flex|grid/.test(row) && !/inline/.test(style.display)) {
      faults.push('tiles not laid out side by side');
    }
    return { text: node.innerText.trim().replace(/\s*\n\s*/g, ' | '), faults };
  };

  const link = (anchor) => {
    const href = anchor.getAttribute('href');
    let target = href.slice(1);
    try {
      target = decodeURIComponent(target);
    } catch (error) {
      // keep it as written
    }
    return {
      href,
      text: anchor.innerText.trim().slice(0, 60),
      anchor_found: href.startsWith('#') && ids.has(target),
    };
  };

  const image = (img) => ({
    ok: img.complete && img.naturalWidth > 0 && shown(img),
    src: (img.getAttribute('src') || '').slice(0, 80),
  });

  const cell = (node) => {
    const outputs = [...node.querySelectorAll('.jp-OutputArea-output')];
    const stderr = outputs.filter(
      (o) => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
    );
    const markdown = '.jp-MarkdownOutput';
    const links = node.querySelectorAll(
      `${markdown} a[href]:not(.jp-InternalAnchorLink), .jp-OutputArea-output a[href]`
    );
    return {
      stderr: stderr.map((o) => o.innerText),
      lines: outputs.map(lines),
      images: [...node.querySelectorAll('.jp-OutputArea-output img')].map(image),
      tiles: [...node.querySelectorAll(`.jp-OutputArea-output ${tileSelector}`)].map(tile),
      math: node.querySelectorAll(`${markdown} mjx-container, ${markdown} .MathJax_Display`).length,
      output_math: node.querySelectorAll('.jp-OutputArea-output mjx-container').length,
      links: [...links].map(link),
    };
  };

  return { cells: [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell) };
}
