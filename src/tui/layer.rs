//! The console's screens as one ordered stack over the main screen: the `/` filter being typed,
//! the `:` command bar, the help, the delete confirmation, the test-all table, the kind picker, the
//! config form and, over the form, its prompts and its multi-line editor. Keys go to the top layer
//! only ([`update`](super::update) routes them), drawing goes bottom-up ([`view`](super::view)),
//! and each layer's table binds `Esc` to closing it (after what must come first: a changed form
//! asks, a running test-all cancels its tests). One stack replaces five separate mechanisms whose
//! precedence had to be written twice.

use super::app::{App, ConfirmDelete, TestAll};
use super::form::{Form, KindPicker, MultilineEditor, Prompt};

/// One layer of the stack.
#[derive(Debug)]
pub enum Layer {
    /// The `/` filter being typed (its text lives in [`App::filter`]: it outlives the layer).
    Filter,
    /// The `:` command line.
    CommandBar {
        text: String,
    },
    Help {
        scroll: usize,
    },
    ConfirmDelete(ConfirmDelete),
    TestAll(TestAll),
    /// `:env`: the environments to switch to.
    EnvPicker(super::overlay::env_picker::EnvPicker),
    /// `h`: the selected source's audit history.
    History(super::overlay::history::History),
    /// The first step of `n`.
    PickKind(KindPicker),
    /// The config form; it takes the body of the screen.
    Form(Box<Form>),
    /// A question over the form below it.
    Prompt(Prompt),
    /// The multi-line editor over one field of the form below it.
    Editor(Box<MultilineEditor>),
}

impl Layer {
    /// A popup over the main screen: the list and detail panes lose their focus mark under it.
    pub fn is_popup(&self) -> bool {
        matches!(
            self,
            Layer::CommandBar { .. }
                | Layer::Help { .. }
                | Layer::ConfirmDelete(_)
                | Layer::TestAll(_)
                | Layer::History(_)
                | Layer::EnvPicker(_)
        )
    }
}

impl App {
    /// The layer that gets the keys, if any (none: the main screen).
    pub fn top(&self) -> Option<&Layer> {
        self.layers.last()
    }

    /// The open config form.
    pub fn form(&self) -> Option<&Form> {
        self.layers.iter().rev().find_map(|layer| match layer {
            Layer::Form(form) => Some(form.as_ref()),
            _ => None,
        })
    }

    pub fn form_mut(&mut self) -> Option<&mut Form> {
        self.layers.iter_mut().rev().find_map(|layer| match layer {
            Layer::Form(form) => Some(form.as_mut()),
            _ => None,
        })
    }

    /// `n` or `e` has the screen: the kind picker or the form.
    pub fn form_screen_open(&self) -> bool {
        self.layers
            .iter()
            .any(|layer| matches!(layer, Layer::PickKind(_) | Layer::Form(_)))
    }

    /// The prompt over the form, if one is open.
    pub fn prompt(&self) -> Option<&Prompt> {
        self.layers.iter().rev().find_map(|layer| match layer {
            Layer::Prompt(prompt) => Some(prompt),
            _ => None,
        })
    }

    /// The multi-line editor over the form, if it is open.
    pub fn editor(&self) -> Option<&MultilineEditor> {
        self.layers.iter().rev().find_map(|layer| match layer {
            Layer::Editor(editor) => Some(editor.as_ref()),
            _ => None,
        })
    }

    /// The test-all table, if it is open.
    pub fn test_all_mut(&mut self) -> Option<&mut TestAll> {
        self.layers.iter_mut().rev().find_map(|layer| match layer {
            Layer::TestAll(state) => Some(state),
            _ => None,
        })
    }

    /// Closes the form with whatever is open over it.
    pub fn close_form(&mut self) {
        if let Some(position) = self
            .layers
            .iter()
            .rposition(|layer| matches!(layer, Layer::Form(_)))
        {
            self.layers.truncate(position);
        }
    }

    /// The `/` filter is being typed.
    pub fn filter_editing(&self) -> bool {
        self.layers
            .iter()
            .any(|layer| matches!(layer, Layer::Filter))
    }

    /// A popup covers the main screen.
    pub fn popup_open(&self) -> bool {
        self.layers.iter().any(Layer::is_popup)
    }
}
