//! Objects a new revision adds: numbered after the file's last object, written by the increment
//! writer in the order they were added.

use lopdf::{Object, ObjectId};

/// New (or replaced) indirect objects of one incremental update.
#[derive(Debug)]
pub struct NewObjects {
    next: u32,
    objects: Vec<(ObjectId, Option<Object>)>,
}

impl NewObjects {
    /// Starts numbering at `first` (the trailer's `/Size` of the file being updated).
    pub fn new(first: u32) -> Self {
        Self { next: first, objects: Vec::new() }
    }

    /// Adds `object` under a fresh number and returns its reference.
    pub fn add(&mut self, object: impl Into<Object>) -> ObjectId {
        let id = self.reserve();
        self.set(id, object);
        id
    }

    /// Takes a fresh number now, for an object filled in later with [`NewObjects::set`] (objects
    /// that refer to each other).
    pub fn reserve(&mut self) -> ObjectId {
        let id = (self.next, 0);
        self.next += 1;
        self.objects.push((id, None));
        id
    }

    /// Sets a reserved object, or replaces an object of the file being updated (same number and
    /// generation: the new revision's version wins).
    pub fn set(&mut self, id: ObjectId, object: impl Into<Object>) {
        let object = object.into();
        match self.objects.iter_mut().find(|(existing, _)| *existing == id) {
            Some((_, slot)) => *slot = Some(object),
            None => self.objects.push((id, Some(object))),
        }
    }

    /// A new object, to amend it after it was added.
    pub fn get_mut(&mut self, id: ObjectId) -> Option<&mut Object> {
        self.objects.iter_mut().find(|(existing, _)| *existing == id).and_then(|(_, object)| object.as_mut())
    }

    /// The next free object number: the new revision's `/Size`.
    pub fn size(&self) -> u32 {
        self.next
    }

    /// The objects in the order they were added. A reserved object never set is a bug, reported
    /// by number.
    pub fn into_objects(self) -> Result<Vec<(ObjectId, Object)>, u32> {
        self.objects.into_iter().map(|(id, object)| object.map(|o| (id, o)).ok_or(id.0)).collect()
    }
}
